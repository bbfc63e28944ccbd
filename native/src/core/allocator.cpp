#include "core/allocator.h"

#include <array>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "core/codes.h"
#include "core/error.h"

namespace jdnn {

size_t round_block_size(size_t bytes) {
  // 64-byte granularity keeps every block cache-line and AVX-512 aligned;
  // above 1 MiB round to 64 KiB so near-equal sizes share a bin.
  const size_t unit = bytes > (1u << 20) ? (64u << 10) : 64u;
  if (bytes == 0) return unit;
  return (bytes + unit - 1) / unit * unit;
}

void* CachingAllocator::allocate(size_t bytes) {
  const size_t size = round_block_size(bytes);
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      cached_ -= static_cast<int64_t>(size);
      in_use_ += static_cast<int64_t>(size);
    }
  }
  if (p != nullptr) {
    handed_out(p, bytes);
    return p;
  }
  p = system_allocate(size);
  if (p == nullptr) {
    release_cached();  // give the cache back and try once more before failing
    p = system_allocate(size);
  }
  if (p == nullptr) out_of_memory(size, bytes_in_use());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_ += static_cast<int64_t>(size);
    ++system_allocations_;
  }
  handed_out(p, bytes);
  return p;
}

void CachingAllocator::deallocate(void* p, size_t bytes) {
  if (p == nullptr) return;
  taken_back(p);
  const size_t size = round_block_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  free_[size].push_back(p);
  in_use_ -= static_cast<int64_t>(size);
  cached_ += static_cast<int64_t>(size);
}

void CachingAllocator::deallocate_to_system(void* p, size_t bytes) {
  if (p == nullptr) return;
  taken_back(p);
  const size_t size = round_block_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  before_release();
  system_free(p);
  in_use_ -= static_cast<int64_t>(size);
}

int64_t CachingAllocator::bytes_in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

int64_t CachingAllocator::bytes_cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_;
}

int64_t CachingAllocator::system_allocations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return system_allocations_;
}

void CachingAllocator::release_cached() {
  std::lock_guard<std::mutex> lock(mutex_);
  before_release();
  for (auto& bin : free_)
    for (void* p : bin.second) system_free(p);
  free_.clear();
  cached_ = 0;
}

namespace {

class HostCachingAllocator final : public CachingAllocator {
 protected:
  void* system_allocate(size_t bytes) override { return std::aligned_alloc(64, bytes); }
  void system_free(void* p) override { std::free(p); }
  [[noreturn]] void out_of_memory(size_t bytes, int64_t) override {
    fail_as(ErrorKind::OUT_OF_MEMORY, "out of host memory allocating ", bytes, " bytes");
  }
};

std::array<Allocator*, kDeviceCount>& allocators() {
  // Leaked on purpose: tensors may still be freed during static destruction
  // at JVM exit, after a function-local static allocator would be gone.
  static auto* table = [] {
    auto* t = new std::array<Allocator*, kDeviceCount>{};
    (*t)[static_cast<int>(Device::CPU)] = new HostCachingAllocator();
    return t;
  }();
  return *table;
}

}  // namespace

Allocator& allocator_for(Device device) {
  Allocator* a = allocators()[static_cast<int>(device)];
  JDNN_CHECK_AS(ErrorKind::DEVICE, a != nullptr, "no allocator for device ", device_name(device),
                ": its backend is not loaded");
  return *a;
}

void register_allocator(Device device, Allocator* allocator) { allocators()[static_cast<int>(device)] = allocator; }

}  // namespace jdnn
