// Caching allocator: freed blocks are kept in bins by (rounded) size and
// handed out again, so a training loop whose shapes repeat every step stops
// calling the system allocator after its first step.
#pragma once
#include <cstddef>
#include <cstdint>

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

// Throws if the device has no allocator (its backend is not loaded).
Allocator& allocator_for(int device);
void register_allocator(int device, Allocator* allocator);
// Block size actually reserved for a request; shared so every allocator bins alike.
size_t round_block_size(size_t bytes);

}  // namespace jdnn
