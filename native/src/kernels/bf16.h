// float32 -> bfloat16 rounding for device code, the same rule as the CPU's
// (cpu/gemm_bf16.h, detail::to_bf16): round to nearest even, NaN kept NaN
// (quiet bit set), so both backends feed identical bf16 values to their GEMMs.
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
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

}  // namespace jdnn::kernels
