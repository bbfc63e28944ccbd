#pragma once
#include <cstdint>

// bfloat16 inference GEMM for Linear layers: y = act(x W^T + bias) with W pre-converted to bf16
// once (packed), x converted to bf16 per call, products accumulated in float32 and y in float32.
namespace jdnn::cpu {

// Packed layout: ceil(out/16) panels of 16 output features; panel p holds kp = bf16_kp(in) groups
// of 16 32-bit words, word l = (bf16 W[16p+l][2k] | bf16 W[16p+l][2k+1] << 16), zero padded. That
// is the operand AVX512-BF16's VDPBF16PS multiplies against a broadcast pair of x values, and an
// AMX B tile (16 pairs of K by 16 outputs) when read 16 groups at a time.
// Pairs of K, rounded up to a whole AMX tile (16 pairs = 32 values).
inline int64_t bf16_kp(int64_t in) { return ((in + 1) / 2 + 15) / 16 * 16; }
int64_t bf16_packed_words(int64_t out, int64_t in);
void bf16_pack_weight(const float* w, int64_t out, int64_t in, uint32_t* packed);

// y[n, out] = act(x[n, in] W^T + bias), bias may be null, act = ReLU when relu. Uses the pool.
void linear_bf16(const float* x, int64_t n, int64_t in, const uint32_t* packed, int64_t out,
                 const float* bias, bool relu, float* y);

// c (m, n) = op(A) op(B) + bias (per column, or null) of row-major float32 matrices, the operands
// rounded to bf16 as the kernel reads them, products summed in float32 (matmul_bf16.cpp: autocast's
// products and the CPU's bfloat16 convolutions). op(A) is (m, k), A^T stored (k, m) when ta.
void matmul_bf16_2d(const float* A, const float* B, const float* bias, float* C, int64_t m, int64_t n, int64_t k,
                    bool ta, bool tb);

// "amx" when the CPU has AMX-BF16 and Linux grants the process the tile state (batches of 16 rows
// or more use it, smaller ones the AVX512-BF16 kernel), else "avx512bf16" (VDPBF16PS), else
// "generic" (same packed format, plain C++). JDNN_BF16_KERNEL=amx|avx512bf16|generic picks one;
// a kernel the CPU cannot run falls back to the best one it can.
const char* bf16_kernel_name();
// Test hook: switch kernel; false (and no change) if unknown or not runnable here.
bool bf16_force_kernel(const char* name);

namespace detail {
// One ISA's implementation of rows [i0, i1) x panels [p0, p1) of y, given x already in bf16 pairs
// (row r at xb + r * kp, kp = bf16_kp(in) words, zero padded).
struct Bf16Kernel {
  const char* name;
  void (*convert_rows)(const float* x, int64_t rows, int64_t in, int64_t kp, uint32_t* xb);
  void (*tile)(const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i0, int64_t i1,
               int64_t p0, int64_t p1, int64_t out, const float* bias, bool relu, float* y);
};
const Bf16Kernel* bf16_kernel_avx512();  // nullptr when built without -mavx512bf16
// AMX tile routine (gemm_bf16_amx.cpp): needs xb rows padded with zeros to a multiple of 32.
void bf16_amx_tile(const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i0, int64_t i1,
                   int64_t p0, int64_t p1, int64_t out, const float* bias, bool relu, float* y);
bool bf16_amx_built();
}  // namespace detail
}  // namespace jdnn::cpu
