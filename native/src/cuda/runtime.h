// The CUDA runtime as the CUDA backend sees it. Under nvcc this is the real
// runtime (linked statically, so only the driver is needed at run time);
// under the emulation build (JDNN_CUDA_EMU) it is emu/cuda_runtime_emu.h,
// a CPU implementation of the same calls. Backend sources include this
// header only, never <cuda_runtime.h> directly, so both builds compile the
// same files.
//
// Kernel rules (the emulation runs each launch as a loop over blocks and
// threads, one thread at a time): no __syncthreads, no shared memory, no
// warp intrinsics; a thread may only depend on its own index. Write kernels
// as grid-stride loops (JDNN_KERNEL_LOOP) so any grid size is correct.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#if defined(JDNN_CUDA_EMU)
#include "cuda/emu/cuda_runtime_emu.h"
#else
#include <cuda_runtime.h>
#endif

#include "core/error.h"
#include "cuda/counters.h"

namespace jdnn::cuda {

// Turns a failed runtime call into an exception naming the call and the error.
[[noreturn]] void runtime_failure(cudaError_t status, const char* call, const char* file, int line);

}  // namespace jdnn::cuda

#define JDNN_CUDA_CHECK(call)                                                       \
  do {                                                                              \
    cudaError_t jdnn_status_ = (call);                                              \
    if (jdnn_status_ != cudaSuccess)                                                \
      ::jdnn::cuda::runtime_failure(jdnn_status_, #call, __FILE__, __LINE__);       \
  } while (0)

// for (int64_t i = global thread index; i < n; i += total threads)
#define JDNN_KERNEL_LOOP(i, n)                                                            \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x, jdnn_step_ =             \
           int64_t(blockDim.x) * gridDim.x;                                                \
       i < (n); i += jdnn_step_)

namespace jdnn::cuda {

constexpr unsigned kBlock = 256;

// Blocks for a grid-stride loop over n elements; capped because each thread loops.
inline unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > 4096 ? 4096 : blocks));
}

// The one place kernels are launched: <<<>>> under nvcc; under the emulation, the
// converted arguments are checked (pointers against live device allocations) and
// copied into a grid loop queued on the stream. Checks the launch and throws on failure.
// The kernel parameter limit every architecture and toolkit accepts (cuda/tensor_table.h says why
// jdnn keeps to it); checked here for every kernel, in both builds.
constexpr size_t kMaxKernelParamBytes = 4096;

template <class... Params, class... Args>
void launch(void (*kernel)(Params...), unsigned grid, unsigned block, cudaStream_t stream, Args&&... args) {
  static_assert((size_t{0} + ... + sizeof(std::decay_t<Params>)) <= kMaxKernelParamBytes,
                "kernel arguments exceed the 4,096-byte kernel parameter limit");
#if defined(JDNN_CUDA_EMU)
  emu::launch_kernel(kernel, grid, block, stream, static_cast<std::decay_t<Params>>(args)...);
#else
  kernel<<<grid, block, 0, stream>>>(static_cast<Params>(args)...);
#endif
  JDNN_CUDA_CHECK(cudaGetLastError());
  count(counters().launches);
#if defined(JDNN_CUDA_EMU)
  emu::trace_launch(typeid(kernel), counters().launches.load(std::memory_order_relaxed));
#endif
}

// Grid-stride launch over n elements.
template <class... Params, class... Args>
void launch_n(void (*kernel)(Params...), int64_t n, cudaStream_t stream, Args&&... args) {
  if (n <= 0) return;
  launch(kernel, grid_for(n), kBlock, stream, std::forward<Args>(args)...);
}

}  // namespace jdnn::cuda
