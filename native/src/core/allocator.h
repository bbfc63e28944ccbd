// Caching allocator: freed blocks are kept in bins by (rounded) size and
// handed out again, so a training loop whose shapes repeat every step stops
// calling the system allocator after its first step.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "jdnn/jdnn.h"

namespace jdnn {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* p, size_t bytes) = 0;
  virtual int64_t bytes_in_use() const = 0;
  virtual int64_t bytes_cached() const = 0;
  virtual void release_cached() = 0;
};

// The caching policy every device shares: freed blocks are binned by
// round_block_size and handed out again; on a failed system allocation the
// cache is released and the allocation retried once. A device supplies only
// how blocks are obtained from and returned to the system.
class CachingAllocator : public Allocator {
 public:
  void* allocate(size_t bytes) final;
  void deallocate(void* p, size_t bytes) final;
  int64_t bytes_in_use() const final;
  int64_t bytes_cached() const final;
  void release_cached() final;
  // Returns one block straight to the system instead of the cache: for a large,
  // one-off buffer (a convolution algorithm search's workspace) that should not
  // stay reserved.
  void deallocate_to_system(void* p, size_t bytes);
  // A block from the system even when the cache holds one of its size: for memory set aside just
  // before a CUDA graph capture (its per-replay constants, cuda/graphs.cu), which must not take a
  // cached block the captured step needs. Freed as any block, to the cache. Not while capturing.
  void* allocate_fresh(size_t bytes);
  // Successful system allocations so far (tests check that steady state makes none).
  int64_t system_allocations() const;

  // Private pools (CUDA graphs: work captured into a graph replays fixed addresses). While a pool
  // captures, every block handed out and every block given back joins it; a pool's blocks go back
  // to its own bins, never to other work, until release_pool hands its free blocks to the shared
  // cache (blocks still in use then become ordinary). One pool captures at a time.
  int64_t begin_pool();          // returns the new pool's id (>= 1)
  void end_pool();               // the capturing pool stops capturing and lives on
  void release_pool(int64_t id);
  int64_t capturing_pool() const;  // 0 when none captures

 protected:
  // nullptr when the system has no memory left.
  virtual void* system_allocate(size_t bytes) = 0;
  virtual void system_free(void* p) = 0;
  // Runs under the allocator's lock before cached blocks go back to the system
  // (a GPU waits there for queued work that may still use them).
  virtual void before_release() {}
  [[noreturn]] virtual void out_of_memory(size_t bytes, int64_t bytes_in_use) = 0;
  // Each block handed out and taken back, at the caller's size, outside the lock (the
  // CUDA emulation tracks allocations exactly through these).
  virtual void handed_out(void* /*p*/, size_t /*bytes*/) {}
  virtual void taken_back(void* /*p*/) {}
  // A pool that captures found no free block of `bytes`; the default allocates from the system.
  // (A GPU may not allocate while capturing: its allocator fails here, naming the fix.)
  virtual void capture_needs_system_block(size_t /*bytes*/) {}

 private:
  struct Pool {
    std::unordered_map<size_t, std::vector<void*>> free;
    std::unordered_map<void*, size_t> owned;  // every block of the pool, with its rounded size
  };
  Pool* pool_of(void* p);  // the caller holds mutex_
  mutable std::mutex mutex_;
  std::unordered_map<int64_t, Pool> pools_;
  int64_t capturing_ = 0;
  int64_t next_pool_ = 1;
  std::unordered_map<size_t, std::vector<void*>> free_;
  int64_t in_use_ = 0;
  int64_t cached_ = 0;
  int64_t system_allocations_ = 0;
};

// Throws if the device has no allocator (its backend is not loaded).
Allocator& allocator_for(Device device);
void register_allocator(Device device, Allocator* allocator);
// Block size actually reserved for a request; shared so every allocator bins alike.
size_t round_block_size(size_t bytes);

}  // namespace jdnn
