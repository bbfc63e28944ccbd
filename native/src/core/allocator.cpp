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

namespace {

void* take_from(std::unordered_map<size_t, std::vector<void*>>& bins, size_t size) {
  auto it = bins.find(size);
  if (it == bins.end() || it->second.empty()) return nullptr;
  void* p = it->second.back();
  it->second.pop_back();
  return p;
}

}  // namespace

CachingAllocator::Pool* CachingAllocator::pool_of(void* p) {
  for (auto& [id, pool] : pools_)
    if (pool.owned.count(p) != 0) return &pool;
  return nullptr;
}

void* CachingAllocator::allocate(size_t bytes) {
  const size_t size = round_block_size(bytes);
  void* p = nullptr;
  int64_t capturing = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    capturing = capturing_;
    // A capturing pool serves from its own bins first, then takes blocks from the shared cache.
    if (capturing != 0) p = take_from(pools_[capturing].free, size);
    if (p == nullptr) p = take_from(free_, size);
    if (p != nullptr) {
      if (capturing != 0) pools_[capturing].owned[p] = size;
      cached_ -= static_cast<int64_t>(size);
      in_use_ += static_cast<int64_t>(size);
    }
  }
  if (p != nullptr) {
    handed_out(p, bytes);
    return p;
  }
  if (capturing != 0) capture_needs_system_block(size);
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
    if (capturing_ != 0) pools_[capturing_].owned[p] = size;
  }
  handed_out(p, bytes);
  return p;
}

void* CachingAllocator::allocate_fresh(size_t bytes) {
  const size_t size = round_block_size(bytes);
  JDNN_CHECK(capturing_pool() == 0, "allocate_fresh: a capture is running, where CUDA forbids cudaMalloc");
  void* p = system_allocate(size);
  if (p == nullptr) {
    release_cached();
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
  Pool* pool = pool_of(p);
  if (pool == nullptr && capturing_ != 0) {  // captured work used it: the graph keeps it
    pool = &pools_[capturing_];
    pool->owned[p] = size;
  }
  (pool != nullptr ? pool->free : free_)[size].push_back(p);
  in_use_ -= static_cast<int64_t>(size);
  cached_ += static_cast<int64_t>(size);
}

int64_t CachingAllocator::begin_pool() {
  std::lock_guard<std::mutex> lock(mutex_);
  JDNN_CHECK(capturing_ == 0, "begin_pool: pool ", capturing_, " is capturing already; end it first");
  capturing_ = next_pool_++;
  pools_[capturing_];
  return capturing_;
}

void CachingAllocator::end_pool() {
  std::lock_guard<std::mutex> lock(mutex_);
  capturing_ = 0;
}

int64_t CachingAllocator::capturing_pool() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return capturing_;
}

void CachingAllocator::release_pool(int64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = pools_.find(id);
  if (it == pools_.end()) return;
  if (capturing_ == id) capturing_ = 0;
  for (auto& [size, blocks] : it->second.free)
    for (void* p : blocks) free_[size].push_back(p);  // counted as cached already
  pools_.erase(it);
}

void CachingAllocator::deallocate_to_system(void* p, size_t bytes) {
  if (p == nullptr) return;
  taken_back(p);
  const size_t size = round_block_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  if (Pool* pool = pool_of(p)) pool->owned.erase(p);
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
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) system_free(p);
    cached_ -= static_cast<int64_t>(size * blocks.size());
  }
  free_.clear();  // a live graph's pool keeps its blocks (cached_ still counts them)
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
