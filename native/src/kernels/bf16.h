// float32 -> bfloat16 rounding: round to nearest even, NaN kept NaN (quiet bit
// set). The CPU's weight packing and portable kernel (cpu/gemm_bf16.cpp) and the
// CUDA conversions use this one rule, so both backends feed identical bf16
// values to their GEMMs.
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/common.h"

namespace jdnn::kernels {

JDNN_HD uint16_t float_to_bf16(float f) {
#if defined(__CUDA_ARCH__)
  uint32_t u = __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
#endif
  // Both results computed and one selected, no branch: loops over arrays of floats vectorize.
  const uint32_t nan = (u >> 16) | 0x40u;
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

}  // namespace jdnn::kernels
