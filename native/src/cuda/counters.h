// What the CUDA backend counts for Device.stats(), in both builds (nvcc and the
// emulation): kernel launches, cuBLAS/cuDNN calls that queue device work, host waits
// for the device, and bytes copied each way. Device mallocs are the caching
// allocator's own count (DeviceAllocator::device_mallocs). Relaxed atomics: a count
// costs one uncontended add, and readers want totals, not an order between them.
#pragma once
#include <atomic>
#include <cstdint>

namespace jdnn::cuda {

struct Counters {
  std::atomic<int64_t> launches{0};      // kernels launched through launch()
  std::atomic<int64_t> vendor_calls{0};  // cuBLAS/cuDNN entries that queue device work
  std::atomic<int64_t> syncs{0};         // waits of the host for the device (host_wait)
  std::atomic<int64_t> h2d_bytes{0};     // bytes copied host to device
  std::atomic<int64_t> d2h_bytes{0};     // bytes copied device to host
};

// The process's counters: one GPU per process, one backend library per device kind.
inline Counters& counters() {
  static Counters c;
  return c;
}

inline void count(std::atomic<int64_t>& counter, int64_t n = 1) { counter.fetch_add(n, std::memory_order_relaxed); }

#if defined(JDNN_CUDA_EMU)
namespace emu {
// With JDNN_EMU_TRACE set, prints one line per counted launch or vendor call to stderr
// (what it is, the op that issued it, the counter's value after it), so a profiled
// step's counts can be attributed to ops (docs/architecture.md "Step counters").
void trace_counted(const char* kind, const char* what, int64_t count);
}  // namespace emu
#endif

// A counted vendor call, traced under the emulation (a no-op under nvcc).
inline void trace_vendor_call([[maybe_unused]] const char* entry) {
#if defined(JDNN_CUDA_EMU)
  emu::trace_counted("vendor", entry, counters().vendor_calls.load(std::memory_order_relaxed));
#endif
}

namespace detail {
constexpr bool contains(const char* text, const char* part) {
  for (; *text != '\0'; ++text) {
    const char *t = text, *p = part;
    while (*p != '\0' && *t == *p) ++t, ++p;
    if (*p == '\0') return true;
  }
  return false;
}
}  // namespace detail

// Whether a cuBLAS/cuDNN entry, by its name, queues work on the device (a GEMM, a
// convolution, an algorithm search) rather than creating, setting or querying a
// handle or descriptor on the host. Decided by name so a new compute entry counts
// without being listed.
constexpr bool queues_device_work(const char* entry) {
  return !(detail::contains(entry, "Create") || detail::contains(entry, "Destroy") ||
           detail::contains(entry, "Set") || detail::contains(entry, "Get") || detail::contains(entry, "Derive"));
}

}  // namespace jdnn::cuda
