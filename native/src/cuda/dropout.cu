// Inverted dropout on the CUDA backend (CPU twin: cpu/dropout.cpp): the mask is
// the shared Philox stream, so a seed drops the same units on every device, and
// one multiply serves forward and backward.
#include "cuda/cuda_backend.h"
#include "cuda/dispatch.h"
#include "jdnn/jdnn.h"
#include "kernels/philox.h"

namespace jdnn::cuda {

namespace {

template <class T>
__global__ void dropout_mask_kernel(T* mask, int64_t n, double p, T keep, uint64_t seed, uint64_t offset) {
  JDNN_KERNEL_LOOP(j, n) {
    mask[j] = kernels::philox_uniform(kernels::philox4x32_10(offset + j, seed)) >= p ? keep : T(0);
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
  with_float(mask.dtype, "dropout_mask", [&](auto zero) {
    using T = decltype(zero);
    // The scale is rounded once on the host, as the CPU rounds it.
    const T keep = static_cast<T>(1.0 / (1.0 - p));
    launch_n(dropout_mask_kernel<T>, mask.numel, s, mask.data<T>(), mask.numel, p, keep, seed, offset);
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
