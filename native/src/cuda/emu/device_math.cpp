// The jitter mode's device math (kernels/common.h, jdnn::device_math): CUDA documents a
// maximum error of 1 to 2 ulp for exp, log, log1p, expm1, tanh and erf in float and double, so a GPU
// may return the neighbour of the correctly rounded result; under JDNN_EMU_MODES=jitter the
// emulation does, for about half of all inputs, chosen by a hash of the input's bits and the
// seed (reproducible). Results the C99 special cases fix (0 at x = 0, exp(0) = 1, infinities,
// NaN, a zero result) are left exact, as CUDA's functions keep them.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "cuda/emu/emu_internal.h"
#include "kernels/common.h"

namespace jdnn::cuda::emu {

namespace {

uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

template <class T, class Bits>
T jitter(T result, T x, bool toward_zero) {
  if (!modes().jitter || x == T(0) || result == T(0) || !std::isfinite(result)) return result;
  Bits bits = 0;
  std::memcpy(&bits, &x, sizeof(x));
  const uint64_t h = mix(uint64_t(bits) ^ modes().seed);
  if ((h & 1) == 0) return result;  // about half of all inputs keep the correctly rounded result
  const bool up = toward_zero ? result < T(0) : ((h >> 1) & 1) != 0;
  const T moved = std::nextafter(result, up ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity());
  return std::isfinite(moved) ? moved : result;
}

}  // namespace

float jitter_ulp(float result, float x, bool toward_zero) { return jitter<float, uint32_t>(result, x, toward_zero); }
double jitter_ulp(double result, double x, bool toward_zero) {
  return jitter<double, uint64_t>(result, x, toward_zero);
}

}  // namespace jdnn::cuda::emu
