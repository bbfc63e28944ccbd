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
  // Successful system allocations so far (tests check that steady state makes none).
  int64_t system_allocations() const;

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

 private:
  mutable std::mutex mutex_;
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
