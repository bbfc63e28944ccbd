#include "core/handles.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "core/backend.h"

namespace jdnn {

namespace {

// A slot's state in one word, so that pinning is a single compare-and-swap:
// generation (bits 32-62) | closed (bit 31) | pins (bits 0-30).
constexpr uint64_t kClosed = uint64_t(1) << 31;
constexpr uint64_t kPins = kClosed - 1;
constexpr uint32_t kMaxGeneration = uint32_t(1) << 31;  // keeps handles positive as Java longs

struct Slot {
  std::atomic<uint64_t> word{kClosed};  // generation 0 is never issued
  std::atomic<Tensor*> tensor{nullptr};
  uint32_t index = 0;  // its own position, set when its chunk is made
};

// Slots live in chunks that are allocated on demand and never move or go away, so a stale handle
// always reads a valid slot (and finds a newer generation there).
constexpr uint32_t kChunkBits = 12;
constexpr uint32_t kChunkSize = uint32_t(1) << kChunkBits;
constexpr uint32_t kMaxChunks = (uint32_t(1) << 16) - 1;  // 268 million live tensors

std::atomic<Slot*> g_chunks[kMaxChunks];
std::mutex g_mutex;                  // guards the two below (slot reuse, chunk growth)
std::vector<uint32_t> g_free_slots;  // indices of reclaimed slots
uint32_t g_next_slot = 0;            // first never-used slot
std::atomic<int64_t> g_live{0};

// Per thread: its pins (innermost ApiCall last), its open ApiCalls, and a few slots it freed. An op
// frees and creates about one tensor each, so a loop's slots cycle within its thread without
// taking the global lock; they go back to the shared list when the cache is full or the thread ends.
struct ThreadState {
  static constexpr int kCachedSlots = 64;
  std::vector<Slot*> pins;
  int calls = 0;
  uint32_t cached[kCachedSlots];
  int cached_count = 0;

  ~ThreadState() {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_free_slots.insert(g_free_slots.end(), cached, cached + cached_count);
  }
};
thread_local ThreadState t_state;

uint32_t generation_of(uint64_t word) { return static_cast<uint32_t>(word >> 32); }

Slot* slot_at(uint32_t index) {
  Slot* chunk = g_chunks[index >> kChunkBits].load(std::memory_order_acquire);
  return chunk == nullptr ? nullptr : &chunk[index & (kChunkSize - 1)];
}

// The slot a handle names, or null if jdnn never issued it.
Slot* slot_of(int64_t handle, uint32_t* generation) {
  if (handle <= 0) return nullptr;
  const uint64_t h = static_cast<uint64_t>(handle);
  const uint32_t index = static_cast<uint32_t>(h & 0xffffffffu) - 1;
  *generation = static_cast<uint32_t>(h >> 32);
  if ((h & 0xffffffffu) == 0 || index >= kMaxChunks * kChunkSize) return nullptr;
  return slot_at(index);
}

// Frees a slot's tensor once it is closed and unpinned; exactly one thread gets here per tensor.
void reclaim(Slot* slot, uint32_t generation) {
  Tensor* t = slot->tensor.exchange(nullptr, std::memory_order_acq_rel);
  uint32_t next = generation + 1 == kMaxGeneration ? 1 : generation + 1;
  slot->word.store((uint64_t(next) << 32) | kClosed, std::memory_order_release);
  delete t;
  g_live.fetch_sub(1, std::memory_order_relaxed);
  ThreadState& ts = t_state;
  if (ts.cached_count < ThreadState::kCachedSlots) {
    ts.cached[ts.cached_count++] = slot->index;
  } else {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_free_slots.push_back(slot->index);
  }
}

void unpin(Slot* slot) {
  const uint64_t before = slot->word.fetch_sub(1, std::memory_order_acq_rel);
  if ((before & kClosed) != 0 && (before & kPins) == 1) reclaim(slot, generation_of(before));
}

enum class PinResult { kPinned, kClosed, kInvalid, kNoCall };

PinResult pin(int64_t handle, Tensor** out) noexcept {
  ThreadState& ts = t_state;
  if (ts.calls == 0) return PinResult::kNoCall;
  uint32_t generation = 0;
  Slot* slot = slot_of(handle, &generation);
  if (slot == nullptr) return PinResult::kInvalid;
  uint64_t word = slot->word.load(std::memory_order_acquire);
  for (;;) {
    if (generation_of(word) != generation || (word & kClosed) != 0) {
      // A handle of an earlier generation, or this generation closed: either way a closed tensor.
      return generation <= generation_of(word) || (word & kClosed) != 0 ? PinResult::kClosed
                                                                        : PinResult::kInvalid;
    }
    if ((word & kPins) == kPins) return PinResult::kInvalid;  // 2^31 pins: cannot happen
    if (slot->word.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel)) break;
  }
  try {
    ts.pins.push_back(slot);
  } catch (...) {
    unpin(slot);
    return PinResult::kInvalid;
  }
  *out = slot->tensor.load(std::memory_order_acquire);
  return PinResult::kPinned;
}

}  // namespace

int64_t handle_create(std::unique_ptr<Tensor> t) {
  uint32_t index;
  ThreadState& ts = t_state;
  if (ts.cached_count > 0) {
    index = ts.cached[--ts.cached_count];
  } else {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!g_free_slots.empty()) {
      index = g_free_slots.back();
      g_free_slots.pop_back();
    } else {
      JDNN_CHECK_AS(ErrorKind::OUT_OF_MEMORY, g_next_slot < kMaxChunks * kChunkSize, "too many live tensors (",
                    g_next_slot, ")");
      index = g_next_slot;
      if ((index & (kChunkSize - 1)) == 0) {
        Slot* chunk = new Slot[kChunkSize];
        for (uint32_t i = 0; i < kChunkSize; ++i) chunk[i].index = index + i;
        g_chunks[index >> kChunkBits].store(chunk, std::memory_order_release);
      }
      ++g_next_slot;
    }
  }
  Slot* slot = slot_at(index);
  uint32_t generation = generation_of(slot->word.load(std::memory_order_acquire));
  if (generation == 0) generation = 1;
  slot->tensor.store(t.release(), std::memory_order_release);
  slot->word.store(uint64_t(generation) << 32, std::memory_order_release);  // open, no pins
  g_live.fetch_add(1, std::memory_order_relaxed);
  return static_cast<int64_t>((uint64_t(generation) << 32) | (uint64_t(index) + 1));
}

void handle_close(int64_t handle) {
  uint32_t generation = 0;
  Slot* slot = slot_of(handle, &generation);
  JDNN_CHECK(slot != nullptr, "free: invalid tensor handle ", handle);
  uint64_t word = slot->word.load(std::memory_order_acquire);
  do {
    JDNN_CHECK(generation_of(word) == generation && (word & kClosed) == 0,
               "free: tensor handle ", handle, " was already freed");
  } while (!slot->word.compare_exchange_weak(word, word | kClosed, std::memory_order_acq_rel));
  if ((word & kPins) == 0) reclaim(slot, generation);
}

Tensor& tensor_ref(int64_t handle) {
  Tensor* t = nullptr;
  switch (pin(handle, &t)) {
    case PinResult::kPinned:
      // A prefetched upload still on the copy stream: the op about to use it is ordered after it.
      // Cleared only once the wait is queued, so a refused wait (during a capture) is tried again.
      if (t->storage && t->storage->upload_pending.load(std::memory_order_acquire)) {
        backend_for(t->device).await_upload(*t);
        t->storage->upload_pending.store(false, std::memory_order_release);
      }
      return *t;
    case PinResult::kClosed:
      fail_as(ErrorKind::CLOSED, "tensor is closed: it was closed (by another thread?) before this op could use it; "
           "close a tensor only after every op that uses it has returned");
    case PinResult::kNoCall: fail_as(ErrorKind::INTERNAL, "tensor handle used outside an ApiCall");
    case PinResult::kInvalid: break;
  }
  fail(handle == 0 ? "null tensor handle" : "invalid tensor handle");
}

ApiCall::ApiCall() noexcept : first_pin_(t_state.pins.size()) { ++t_state.calls; }

ApiCall::~ApiCall() {
  ThreadState& ts = t_state;
  while (ts.pins.size() > first_pin_) {
    Slot* slot = ts.pins.back();
    ts.pins.pop_back();
    unpin(slot);
  }
  --ts.calls;
}

int64_t live_handles() { return g_live.load(std::memory_order_relaxed); }

}  // namespace jdnn
