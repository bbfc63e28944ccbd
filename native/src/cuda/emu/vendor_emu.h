// The emulated cuBLAS and cuDNN entries, one per vendor table entry, with the
// vendor's signatures (emu/cublas.cpp, emu/cudnn.cpp).
#pragma once
#include <cstdint>
#include <cstring>

#include "cuda/vendor.h"

namespace jdnn::vendor::emu {

#define JDNN_VENDOR_EMU_DECL(lib, name, ret, params) ret name params;
JDNN_VENDOR_FUNCTIONS(JDNN_VENDOR_EMU_DECL)
#undef JDNN_VENDOR_EMU_DECL

// A float rounded to TF32, what tensor cores multiply: 10 explicit mantissa bits, nearest,
// ties away from zero; NaN and infinity pass unchanged.
inline float to_tf32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7f800000u) == 0x7f800000u) return f;
  u = (u + 0x1000u) & 0xffffe000u;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace jdnn::vendor::emu
