// float32 -> bfloat16 rounding: round to nearest even, NaN kept NaN (quiet bit
// set). The CPU's weight packing and portable kernel (cpu/gemm_bf16.cpp) and the
// CUDA conversions use this one rule, so both backends feed identical bf16
// values to their GEMMs.
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/common.h"

namespace jdnn::kernels {

// A float's bits and back (the 16-bit types' conversions, here and in half.h, work on them).
JDNN_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}

JDNN_HD float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

JDNN_HD uint16_t float_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  // Both results computed and one selected, no branch: loops over arrays of floats vectorize.
  const uint32_t nan = (u >> 16) | 0x40u;
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

// bfloat16 -> float32: exact (the pattern is float32's top half).
JDNN_HD float bf16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

}  // namespace jdnn::kernels
