// Per-element math is written once as functors that compile for the host
// (CPU backend, CUDA emulation) and, under nvcc, for the device.
#pragma once
#if defined(__CUDACC__)
#define JDNN_HD __host__ __device__ __forceinline__
#else
#define JDNN_HD inline
#endif
#include <cmath>
#include <type_traits>

#if defined(JDNN_CUDA_EMU)
namespace jdnn::cuda::emu {
// Under the emulation's jitter mode, result moved by one ulp (deterministically, from x's bits),
// as CUDA's documented error bounds for these functions allow; unchanged otherwise.
float jitter_ulp(float result, float x, bool toward_zero);
double jitter_ulp(double result, double x, bool toward_zero);
}  // namespace jdnn::cuda::emu
#endif

// The transcendental functions the functors use, by the names they have in <cmath>. The CPU
// build and nvcc call <cmath>/CUDA's functions; the CUDA emulation may move results by one
// ulp (JDNN_EMU_MODES=jitter): CUDA documents errors of 1-2 ulp for each of them, so a result
// that depends on the last bit shows in tests. sqrt is not here: it is correctly rounded on GPUs.
namespace jdnn::device_math {

template <class T>
JDNN_HD T as_device(T result, T x, bool toward_zero = false) {
#if defined(JDNN_CUDA_EMU)
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
    return ::jdnn::cuda::emu::jitter_ulp(result, x, toward_zero);
#endif
  (void)x;
  (void)toward_zero;
  return result;
}

template <class T> JDNN_HD T exp(T x) { return as_device<T>(std::exp(x), x); }
template <class T> JDNN_HD T log(T x) { return as_device<T>(std::log(x), x); }
template <class T> JDNN_HD T log1p(T x) { return as_device<T>(std::log1p(x), x); }
template <class T> JDNN_HD T expm1(T x) { return as_device<T>(std::expm1(x), x); }
// CUDA documents 2 ulp for erf in float32 and float64. Never beyond +-1.
template <class T> JDNN_HD T erf(T x) { return as_device<T>(std::erf(x), x, true); }
// Never beyond +-1.
template <class T> JDNN_HD T tanh(T x) { return as_device<T>(std::tanh(x), x, true); }
// CUDA documents 2 ulp for double pow; used where a kernel computes per-step constants itself.
template <class T> JDNN_HD T pow(T x, T y) { return as_device<T>(std::pow(x, y), x); }

}  // namespace jdnn::device_math
