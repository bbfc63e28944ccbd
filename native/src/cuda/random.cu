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

// Element i's draw from the Philox stream (counter offset + i under seed): uniform in [low, high).
template <class T>
struct UniformDraw {
  double low, high;
  __device__ T operator()(uint64_t counter, uint64_t seed) const {
    const double u = kernels::philox_uniform(kernels::philox4x32_10(counter, seed));
    T v = static_cast<T>(low + mul_rn(high - low, u));
    // Rounding to T must not reach `high`: the interval is [low, high).
    if (v >= static_cast<T>(high)) v = toward(static_cast<T>(high), static_cast<T>(low));
    return v;
  }
};

// The same for the normal distribution N(mean, std^2).
template <class T>
struct NormalDraw {
  double mean, std;
  __device__ T operator()(uint64_t counter, uint64_t seed) const {
    return static_cast<T>(mean + mul_rn(std, kernels::philox_normal(kernels::philox4x32_10(counter, seed))));
  }
};

template <class T, class Draw>
__global__ void random_kernel(T* out, int64_t n, Draw draw, uint64_t seed, uint64_t offset) {
  JDNN_KERNEL_LOOP(i, n) { out[i] = draw(offset + i, seed); }
}

// Fills t with Draw<T>{a, b}, T being t's float type; a and b are the distribution's parameters.
template <template <class> class Draw>
void fill_random(Tensor& t, const char* op, cudaStream_t s, double a, double b, uint64_t seed, uint64_t offset) {
  with_float(t.dtype, op, [&](auto zero) {
    using T = decltype(zero);
    launch_n(random_kernel<T, Draw<T>>, t.numel, s, t.data<T>(), t.numel, Draw<T>{a, b}, seed, offset);
  });
}

}  // namespace

void CudaBackend::random_uniform(Tensor& t, double low, double high, uint64_t seed, uint64_t offset) {
  JDNN_CUDA_OP("random_uniform");
  fill_random<UniformDraw>(t, "random_uniform", jdnn_op.ctx.stream, low, high, seed, offset);
}

void CudaBackend::random_normal(Tensor& t, double mean, double std, uint64_t seed, uint64_t offset) {
  JDNN_CUDA_OP("random_normal");
  fill_random<NormalDraw>(t, "random_normal", jdnn_op.ctx.stream, mean, std, seed, offset);
}

}  // namespace jdnn::cuda
