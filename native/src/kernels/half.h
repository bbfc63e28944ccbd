// The 16-bit float storage types, float16 (IEEE 754 binary16) and bfloat16 (float32's top half),
// as plain structs that every backend shares: the CPU, the CUDA kernels and the emulation convert
// with these same functions, so a value rounds identically everywhere.
//
// Rounding from float32 is to nearest, ties to even; NaN stays NaN (quiet bit set, sign and the
// payload's top bits kept); float16 overflows to infinity from 65520 up (the tie between 65504 and
// 2^16 goes to the even 2^16, which is infinity) and has subnormals down to 2^-24. Widening to
// float32 is exact. Other types convert through float32, as PyTorch's c10::Half and c10::BFloat16
// do (a float64 value is rounded to float32 first: two roundings, PyTorch's semantics).
#pragma once
#include <cstdint>

#include "kernels/bf16.h"
#include "kernels/common.h"

namespace jdnn::kernels {

JDNN_HD uint16_t float_to_f16(float f) {
  const uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // NaN, quiet
  if (ax >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // 65520 and up (and infinity)
  if (ax >= 0x38800000u) {  // 2^-14 and up: a normal float16; round the 13 dropped bits to even
    const uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u) - 0x38000000u;  // and rebias the exponent 127 -> 15
    return static_cast<uint16_t>(sign | (r >> 13));
  }
  // A subnormal float16 (or zero): the value in units of 2^-24 is the 24-bit significand shifted
  // right by 126 - exponent; round what falls off to even. A carry into 0x400 is the smallest
  // normal, correctly encoded.
  const int shift = 126 - static_cast<int>(ax >> 23);
  if (shift > 24) return static_cast<uint16_t>(sign);  // below 2^-25: rounds to zero
  const uint32_t m = (ax & 0x7fffffu) | 0x800000u;
  uint32_t q = m >> shift;
  const uint32_t rest = m & ((1u << shift) - 1u), half = 1u << (shift - 1);
  if (rest > half || (rest == half && (q & 1u))) ++q;
  return static_cast<uint16_t>(sign | q);
}

JDNN_HD float f16_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0x1fu) return bits_float(sign | 0x7f800000u | (mant << 13));  // infinity, NaN
  if (exp != 0) return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
  const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;  // mant * 2^-24, exact
  return sign != 0 ? -v : v;
}

// float16 storage: 2 bytes, converted as above. Default-constructed it is +0 (value-initialized).
struct Float16 {
  uint16_t bits;
  Float16() = default;
  JDNN_HD explicit Float16(float f) : bits(float_to_f16(f)) {}
  template <class T>
  JDNN_HD explicit Float16(T v) : bits(float_to_f16(static_cast<float>(v))) {}
  JDNN_HD operator float() const { return f16_to_float(bits); }
};

// bfloat16 storage: 2 bytes, converted as above.
struct BFloat16 {
  uint16_t bits;
  BFloat16() = default;
  JDNN_HD explicit BFloat16(float f) : bits(float_to_bf16(f)) {}
  template <class T>
  JDNN_HD explicit BFloat16(T v) : bits(float_to_bf16(static_cast<float>(v))) {}
  JDNN_HD operator float() const { return bf16_to_float(bits); }
};

static_assert(sizeof(Float16) == 2 && sizeof(BFloat16) == 2, "16-bit storage types");

}  // namespace jdnn::kernels
