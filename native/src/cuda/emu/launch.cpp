// Kernel launches under the emulation: the configuration and stream-device checks, the queued grid
// with the guard checks after it, the block order and kernel names for messages.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cxxabi.h>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>

#include "cuda/emu/emu_internal.h"

namespace jdnn::cuda::emu {

bool check_launch_config(unsigned grid, unsigned block, const char* kernel) {
  if (grid != 0 && block != 0 && block <= 1024) return true;
  std::ostringstream m;
  m << "kernel " << kernel << " launched with " << grid << " blocks of " << block
    << " threads: both must be at least 1 and a block at most 1024 threads";
  record_error(cudaErrorInvalidConfiguration, m.str());
  return false;
}

bool check_launch_stream(cudaStream_t stream, const char* kernel, int* device) {
  const int current = current_device();
  const int owner = stream_device(stream);
  if (owner == current) {
    *device = owner;
    return true;
  }
  std::ostringstream m;
  m << "kernel " << kernel;
  if (*current_op_name() != '\0') m << " (op " << current_op_name() << ")";
  m << " launched on a stream of device " << owner << " while the calling thread's current device is " << current
    << ": a kernel runs on the current device, so its stream must belong to it (CUDA Programming Guide, "
    << "\"Stream and Event Behavior\"); a new thread starts on device 0, so call cudaSetDevice(" << owner
    << ") on this thread before its first CUDA call";
  record_error(cudaErrorInvalidResourceHandle, m.str());
  return false;
}

void enqueue_launch(cudaStream_t stream, const std::string& kernel, std::vector<Span> touched,
                    std::function<void()> run_all) {
  std::string what = "kernel " + kernel;
  if (*current_op_name() != '\0') what += std::string(" (op ") + current_op_name() + ")";
  std::vector<Span> uses = touched;
  enqueue_using(stream, what, std::move(uses), [what, touched = std::move(touched), run_all = std::move(run_all)] {
    run_all();
    for (const Span& s : touched) check_guard(s, what);
  });
}

// Under shuffle-blocks, a permutation seeded by the mode's seed and the launch's number, so a
// run is reproducible; a kernel whose result depends on block order then differs from the CPU.
std::vector<unsigned> block_order(unsigned grid) {
  std::vector<unsigned> order(grid);
  std::iota(order.begin(), order.end(), 0u);
  if (!modes().shuffle_blocks) return order;
  static std::atomic<uint64_t> launches{0};
  std::mt19937_64 rng(modes().seed * 0x9E3779B97F4A7C15ull + launches++);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

std::string kernel_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? name.get() : type.name();
}

// Read once: tracing is for a developer's run (scripts/bench-gpu.sh --list-step), not toggled.
static bool tracing() {
  static const bool on = [] {
    const char* v = std::getenv("JDNN_EMU_TRACE");
    return v != nullptr && *v != '\0';
  }();
  return on;
}

void trace_counted(const char* kind, const char* what, int64_t count) {
  if (!tracing()) return;
  const char* op = current_op_name();
  std::fprintf(stderr, "jdnn-emu-trace %s %lld op=%s %s\n", kind, static_cast<long long>(count),
               *op != '\0' ? op : "-", what);
}

void trace_launch(const std::type_info& kernel, int64_t count) {
  if (tracing()) trace_counted("launch", kernel_name(kernel).c_str(), count);
}

}  // namespace jdnn::cuda::emu
