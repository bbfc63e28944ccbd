// Uniform and normal fills on the CUDA backend (CPU twin: cpu/random.cpp). Element
// i draws Philox counter offset + i, so a (seed, offset) gives the CPU's stream.
#include "cuda/cuda_backend.h"
#include "cuda/dispatch.h"
#include "jdnn/jdnn.h"
#include "kernels/philox.h"

namespace jdnn::cuda {

namespace {

// nvcc contracts a * b + c into one rounding unless told --fmad=false (as CMake does); the
// CPU rounds twice. This keeps the device's double arithmetic rounding as the CPU's does
// under any nvcc flags, so values agree bit for bit.
__device__ __host__ __forceinline__ double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

__device__ __host__ __forceinline__ float toward(float from, float to) { return nextafterf(from, to); }
__device__ __host__ __forceinline__ double toward(double from, double to) { return nextafter(from, to); }

template <class T>
__global__ void uniform_kernel(T* out, int64_t n, double low, double high, uint64_t seed, uint64_t offset) {
  JDNN_KERNEL_LOOP(i, n) {
    const double u = kernels::philox_uniform(kernels::philox4x32_10(offset + i, seed));
    T v = static_cast<T>(low + mul_rn(high - low, u));
    // Rounding to T must not reach `high`: the interval is [low, high).
    if (v >= static_cast<T>(high)) v = toward(static_cast<T>(high), static_cast<T>(low));
    out[i] = v;
  }
}

template <class T>
__global__ void normal_kernel(T* out, int64_t n, double mean, double std, uint64_t seed, uint64_t offset) {
  JDNN_KERNEL_LOOP(i, n) {
    out[i] = static_cast<T>(mean + mul_rn(std, kernels::philox_normal(kernels::philox4x32_10(offset + i, seed))));
  }
}

}  // namespace

void CudaBackend::random_uniform(Tensor& t, double low, double high, uint64_t seed, uint64_t offset) {
  JDNN_CUDA_OP("random_uniform");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(t.dtype, "random_uniform", [&](auto zero) {
    using T = decltype(zero);
    launch_n(uniform_kernel<T>, t.numel, s, t.data<T>(), t.numel, low, high, seed, offset);
  });
}

void CudaBackend::random_normal(Tensor& t, double mean, double std, uint64_t seed, uint64_t offset) {
  JDNN_CUDA_OP("random_normal");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(t.dtype, "random_normal", [&](auto zero) {
    using T = decltype(zero);
    launch_n(normal_kernel<T>, t.numel, s, t.data<T>(), t.numel, mean, std, seed, offset);
  });
}

}  // namespace jdnn::cuda
