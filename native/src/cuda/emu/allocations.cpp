// The emulated device's memory map: cudaMalloc blocks, the logical allocations
// the caching allocator hands out inside them, pinned host blocks, poisoning and
// the guards after each allocation.
//
// A block is "plain" (a cudaMalloc block the allocator does not own: valid up to
// its cudaMalloc size), "live" (handed out by the allocator: valid up to the size
// the caller asked for) or "cached" (returned to the allocator: not valid at all).
// Everything after the valid bytes up to the end of the block is guard, poisoned;
// a guard byte that changed means a write past the allocation.
// Each block belongs to the device current on the thread that called cudaMalloc, and a kernel
// given memory of another device than its own fails (cuda_runtime_emu.h).
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>

#include "cuda/emu/emu_internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JDNN_EMU_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define JDNN_EMU_ASAN 1
#endif
#if defined(JDNN_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

namespace jdnn::cuda::emu {

namespace {

enum class Owner { PLAIN, LIVE, CACHED };

struct Block {
  size_t requested = 0;  // what cudaMalloc was asked for
  size_t capacity = 0;   // requested rounded up, plus the guard
  Owner owner = Owner::PLAIN;
  size_t live_bytes = 0;  // the logical allocation's size while LIVE
  int device = 0;         // current on the thread that called cudaMalloc
};

std::mutex map_mutex;
std::map<int, size_t> held_bytes;  // by device

std::map<const char*, Block>& blocks() {
  static auto* map = new std::map<const char*, Block>();  // outlives static destruction
  return *map;
}
std::map<const char*, size_t>& pinned() {
  static auto* map = new std::map<const char*, size_t>();
  return *map;
}

// The entry of `map` whose range starts at or before p, or end().
template <class Map>
typename Map::iterator containing(Map& map, const char* p) {
  auto it = map.upper_bound(p);
  if (it == map.begin()) return map.end();
  return std::prev(it);
}

size_t usable(const Block& b) {
  return b.owner == Owner::PLAIN ? b.requested : b.owner == Owner::LIVE ? b.live_bytes : 0;
}

std::string describe(const Span& s) {
  std::ostringstream m;
  m << "the allocation of " << s.bytes << " bytes at " << static_cast<const void*>(s.base);
  return m.str();
}

// The first guard byte that is not poison, or capacity when the guard is whole.
size_t first_damaged(const Span& s) {
#if defined(JDNN_EMU_ASAN)
  return s.capacity;  // the guard is poisoned for AddressSanitizer, which reports the write itself
#else
  for (size_t i = s.bytes; i < s.capacity; ++i)
    if (static_cast<unsigned char>(s.base[i]) != kPoison) return i;
  return s.capacity;
#endif
}

}  // namespace

void add_block(char* base, size_t requested, size_t capacity, int device) {
  std::memset(base, kPoison, capacity);
  ASAN_POISON_MEMORY_REGION(base + requested, capacity - requested);
  std::lock_guard<std::mutex> lock(map_mutex);
  blocks()[base] = Block{requested, capacity, Owner::PLAIN, 0, device};
  held_bytes[device] += requested;
}

bool remove_block(const void* base) {
  Span span;
  {
    std::lock_guard<std::mutex> lock(map_mutex);
    auto it = blocks().find(static_cast<const char*>(base));
    if (it == blocks().end()) return false;
    const Block& b = it->second;
    span = Span{it->first, usable(b), b.capacity, b.device};
    if (b.owner == Owner::CACHED) span.bytes = 0;  // a cached block's last free checked its guard
    held_bytes[b.device] -= b.requested;
    blocks().erase(it);
  }
  if (span.bytes > 0) check_guard(span, "cudaFree");
  ASAN_UNPOISON_MEMORY_REGION(span.base, span.capacity);
  return true;
}

size_t device_bytes_held(int device) {
  std::lock_guard<std::mutex> lock(map_mutex);
  auto it = held_bytes.find(device);
  return it != held_bytes.end() ? it->second : 0;
}

std::string foreign_memory(const Span& span, int device) {
  std::ostringstream m;
  m << "memory of device " << span.device << " (" << describe(span) << ") used by work of device " << device
    << ": jdnn enables no peer access, so a device's work may touch only its own memory; a thread "
    << "whose current device is not the backend's allocated it or issued the work (call cudaSetDevice("
    << span.device << ") or cudaSetDevice(" << device << ") on that thread first)";
  return m.str();
}

bool find_live(const void* p, size_t bytes, Span* out) {
  const char* c = static_cast<const char*>(p);
  std::lock_guard<std::mutex> lock(map_mutex);
  auto& map = blocks();
  auto it = containing(map, c);
  if (it == map.end()) return false;
  const size_t valid = usable(it->second);
  if (valid == 0 || c + bytes > it->first + valid) return false;
  if (out != nullptr) *out = Span{it->first, valid, it->second.capacity, it->second.device};
  return true;
}

bool block_held(const Span& span) {
  std::lock_guard<std::mutex> lock(map_mutex);
  auto it = blocks().find(span.base);
  return it != blocks().end() && it->second.capacity == span.capacity;
}

bool is_device_range(const void* p, size_t bytes) { return bytes == 0 || find_live(p, bytes, nullptr); }

void add_pinned(const void* base, size_t bytes) {
  std::lock_guard<std::mutex> lock(map_mutex);
  pinned()[static_cast<const char*>(base)] = bytes;
}

bool remove_pinned(const void* base) {
  std::lock_guard<std::mutex> lock(map_mutex);
  return pinned().erase(static_cast<const char*>(base)) == 1;
}

bool is_pinned(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  std::lock_guard<std::mutex> lock(map_mutex);
  auto it = containing(pinned(), c);
  return it != pinned().end() && c + bytes <= it->first + it->second;
}

void check_guard(const Span& span, const std::string& what) {
  const size_t at = first_damaged(span);
  if (at == span.capacity) return;
  std::ostringstream m;
  m << what << " wrote past the end of " << describe(span) << " (byte " << at << " of its guard changed): "
    << "an out-of-bounds write";
  fail_work(cudaErrorIllegalAddress, m.str());
  // Restored, so the same write is reported once, not again by every later check.
  std::memset(const_cast<char*>(span.base) + span.bytes, kPoison, span.capacity - span.bytes);
}

void note_logical_allocate(void* p, size_t bytes, cudaStream_t stream) {
  Span span;
  {
    std::lock_guard<std::mutex> lock(map_mutex);
    auto it = blocks().find(static_cast<const char*>(p));
    if (it == blocks().end() || bytes > it->second.requested) return;  // not a block of ours: stays as it is
    it->second.owner = Owner::LIVE;
    it->second.live_bytes = bytes;
    span = Span{it->first, bytes, it->second.capacity, it->second.device};
  }
  // In stream order, after the work of the block's previous owner: poison (a reused block must
  // not show the old tensor's values) and make the tail past the new size a guard.
  enqueue(stream, "poisoning of a reused allocation", [span] {
    ASAN_UNPOISON_MEMORY_REGION(span.base, span.capacity);
    std::memset(const_cast<char*>(span.base), kPoison, span.capacity);
    ASAN_POISON_MEMORY_REGION(span.base + span.bytes, span.capacity - span.bytes);
  });
}

void note_logical_free(void* p, cudaStream_t stream) {
  Span span;
  {
    std::lock_guard<std::mutex> lock(map_mutex);
    auto it = blocks().find(static_cast<const char*>(p));
    if (it == blocks().end() || it->second.owner != Owner::LIVE) return;
    span = Span{it->first, it->second.live_bytes, it->second.capacity, it->second.device};
    it->second.owner = Owner::CACHED;
    it->second.live_bytes = 0;
  }
  // After the work queued before the free, which may still use the block.
  enqueue(stream, "poisoning of a freed allocation", [span] {
    check_guard(span, "work on " + describe(span) + " before it was freed");
    ASAN_UNPOISON_MEMORY_REGION(span.base, span.capacity);
    std::memset(const_cast<char*>(span.base), kPoison, span.capacity);
    ASAN_POISON_MEMORY_REGION(span.base, span.capacity);
  });
}

namespace {

// An empty tensor's memory: a live allocation of zero bytes starting at p. A kernel may be
// given it (gather_rows of zero-length rows) as long as it reads none of it.
bool is_empty_allocation(const void* p) {
  std::lock_guard<std::mutex> lock(map_mutex);
  auto it = blocks().find(static_cast<const char*>(p));
  return it != blocks().end() && usable(it->second) == 0 &&
         (it->second.owner == Owner::LIVE || it->second.owner == Owner::PLAIN);
}

}  // namespace

bool check_pointer_argument(const void* p, size_t element, size_t index, const char* kernel, int device,
                            std::vector<Span>& touched) {
  Span span;
  const auto argument = [&] {
    std::ostringstream m;
    m << "argument " << index << " of kernel " << kernel;
    if (*current_op_name() != '\0') m << " (op " << current_op_name() << ")";
    return m.str();
  };
  if (find_live(p, element, &span)) {
    if (span.device == device) {
      touched.push_back(span);
      return true;
    }
    // A GPU without peer access faults when the kernel dereferences it.
    record_error(cudaErrorIllegalAddress, argument() + " is " + foreign_memory(span, device));
    return false;
  }
  if (is_empty_allocation(p)) return true;
  std::ostringstream m;
  m << argument() << " is " << p << ", which lies in no live device allocation of at least " << element
    << " bytes: a host pointer, a freed tensor's memory or a block in the allocator's cache";
  record_error(cudaErrorIllegalAddress, m.str());
  return false;
}

}  // namespace jdnn::cuda::emu
