// Inverted dropout on the CUDA backend (CPU twin: cpu/dropout.cpp): the mask is
// the shared Philox stream, so a seed drops the same units on every device, and
// one multiply serves forward and backward.
#include <cstring>

#include "cuda/context.h"
#include "cuda/cuda_backend.h"
#include "cuda/dispatch.h"
#include "jdnn/jdnn.h"
#include "kernels/philox.h"

namespace jdnn::cuda {

namespace {

// `replayed`: null eagerly; in a captured CUDA graph, the replay's offset (graph_constants), read in
// place of `offset`, which the graph would otherwise repeat at every step.
template <class T>
__global__ void dropout_mask_kernel(T* mask, int64_t n, double p, T keep, uint64_t seed, uint64_t offset,
                                    const uint64_t* replayed) {
  const uint64_t first = replayed != nullptr ? *replayed : offset;
  JDNN_KERNEL_LOOP(j, n) {
    mask[j] = kernels::philox_uniform(kernels::philox4x32_10(first + j, seed)) >= p ? keep : T(0);
  }
}

// One mask value covers `block` consecutive elements (a whole channel plane for Dropout2d).
template <class T>
__global__ void dropout_apply_kernel(const T* x, const T* mask, T* y, int64_t n, int64_t block) {
  JDNN_KERNEL_LOOP(i, n) { y[i] = x[i] * mask[i / block]; }
}

}  // namespace

void CudaBackend::dropout_mask(Tensor& mask, double p, uint64_t seed, uint64_t offset) {
  JDNN_CUDA_OP("dropout_mask");
  cudaStream_t s = jdnn_op.ctx.stream;
  const uint64_t* replayed = nullptr;
  if (graph_capturing()) {
    // The generator's offset at each replay: its value then (the source's, keyed by the seed: the
    // first mask of the step sets it) plus this mask's place within the step.
    const int64_t key = static_cast<int64_t>(seed);
    const int64_t at = static_cast<int64_t>(offset);
    const int64_t within = at - graph_source_value(SourceKind::kPhilox, key, at);
    replayed = static_cast<const uint64_t*>(graph_constants(
        sizeof(uint64_t), SourceKind::kPhilox, key, at, 0, [within](int64_t value, void* host) {
          const uint64_t first = static_cast<uint64_t>(value + within);
          std::memcpy(host, &first, sizeof first);
        }));
  }
  with_float(mask.dtype, "dropout_mask", [&](auto zero) {
    using T = decltype(zero);
    // The scale is rounded once on the host, as the CPU rounds it.
    const T keep = static_cast<T>(1.0 / (1.0 - p));
    launch_n(dropout_mask_kernel<T>, mask.numel, s, mask.data<T>(), mask.numel, p, keep, seed, offset, replayed);
  });
}

void CudaBackend::dropout_apply(const Tensor& x, const Tensor& mask, Tensor& y) {
  JDNN_CUDA_OP("dropout_apply");
  if (x.numel == 0) return;
  cudaStream_t s = jdnn_op.ctx.stream;
  const int64_t block = x.numel / mask.numel;
  with_float(x.dtype, "dropout_apply", [&](auto zero) {
    using T = decltype(zero);
    launch_n(dropout_apply_kernel<T>, x.numel, s, x.data<T>(), mask.data<T>(), y.data<T>(), x.numel, block);
  });
}

}  // namespace jdnn::cuda
