// AVX512-BF16 kernel for the bf16 Linear (gemm_bf16.cpp): VDPBF16PS multiplies 16 pairs of bf16
// and adds both products to 16 float32 accumulators, twice the multiply-adds per instruction of
// float32 FMA. Compiled with -mavx512bf16 (JdnnCpuDispatch) and only called after CPUID says so.
#include "gemm_bf16.h"

#if defined(__AVX512BF16__) && defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

#include <algorithm>

namespace jdnn::cpu::detail {
namespace {

__mmask16 lane_mask(int64_t n) { return n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1); }

// Row-major float -> bf16; pairs (2k, 2k+1) land in word k, an odd last column pairs with 0.
// VCVTNEPS2BF16 applies the rounding rule of kernels/bf16.h (nearest even, NaN kept quiet), except
// that it ignores MXCSR and turns denormal inputs into signed zeros; the scalar rule stays scalar
// elsewhere because a per-element call here would give up the 32-wide conversion.
// Bf16InferenceTest compares this path with the generic kernel, which uses kernels/bf16.h.
void convert_rows(const float* x, int64_t rows, int64_t in, int64_t kp, uint32_t* xb) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x + r * in;
    uint16_t* dst = reinterpret_cast<uint16_t*>(xb + r * kp);
    int64_t k = 0;
    for (; k + 32 <= in; k += 32) {
      const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + k + 16), _mm512_loadu_ps(src + k));
      _mm512_storeu_si512(dst + k, reinterpret_cast<const __m512i&>(v));
    }
    for (; k < in; k += 16) {
      const __mmask16 m = lane_mask(in - k);
      const __m256bh v = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + k));
      _mm256_mask_storeu_epi16(dst + k, m, reinterpret_cast<const __m256i&>(v));
    }
    if (in % 2 != 0) dst[in] = 0;
    for (int64_t w = (in + 1) / 2; w < kp; ++w) xb[r * kp + w] = 0;
  }
}

// R rows x P panels of 16 outputs: R*P accumulators stay in registers over all of K
// (12 x 2 = 24 accumulators + 2 weight vectors + 1 broadcast of 32 zmm registers).
template <int R, int P>
void block(const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i, int64_t p,
           int64_t out, const float* bias, bool relu, float* y) {
  __m512 acc[R][P];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < P; ++q) acc[r][q] = _mm512_setzero_ps();
  const uint32_t* a = xb + i * kp;
  const uint32_t* w = packed + p * kp * 16;
  for (int64_t k = 0; k < kp; ++k) {
    __m512bh wv[P];
    for (int q = 0; q < P; ++q) {
      const __m512i bits = _mm512_loadu_si512(w + (q * kp + k) * 16);
      wv[q] = reinterpret_cast<const __m512bh&>(bits);
    }
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512i pair = _mm512_set1_epi32(static_cast<int>(a[r * kp + k]));
      const __m512bh av = reinterpret_cast<const __m512bh&>(pair);
      for (int q = 0; q < P; ++q) acc[r][q] = _mm512_dpbf16_ps(acc[r][q], av, wv[q]);
    }
  }
  for (int q = 0; q < P; ++q) {
    const int64_t j = (p + q) * 16;
    const __mmask16 m = lane_mask(out - j);
    const __m512 b = bias != nullptr ? _mm512_maskz_loadu_ps(m, bias + j) : _mm512_setzero_ps();
    for (int r = 0; r < R; ++r) {
      __m512 v = _mm512_add_ps(acc[r][q], b);
      // Keep v where v > 0 (NaN becomes 0, as in the float32 path); a compare, not _mm512_max_ps,
      // whose GCC 12 header trips -Wmaybe-uninitialized.
      if (relu) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NLE_UQ), v);  // NaN kept
      _mm512_mask_storeu_ps(y + (i + r) * out + j, m, v);
    }
  }
}

template <int P>
void rows_block(int rows, const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i,
                int64_t p, int64_t out, const float* bias, bool relu, float* y) {
  switch (rows) {
    case 1: return block<1, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 2: return block<2, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 3: return block<3, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 4: return block<4, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 5: return block<5, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 6: return block<6, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 7: return block<7, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 8: return block<8, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 9: return block<9, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 10: return block<10, P>(xb, kp, packed, i, p, out, bias, relu, y);
    case 11: return block<11, P>(xb, kp, packed, i, p, out, bias, relu, y);
    default: return block<12, P>(xb, kp, packed, i, p, out, bias, relu, y);
  }
}

// One or two rows (batch 1 and 2): 8 panels at a time, so 8-16 independent accumulator chains
// hide VDPBF16PS's latency (with 2 panels, 2 chains left it latency-bound).
void few_rows_8_panels(int rows, const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i,
                       int64_t p, int64_t out, const float* bias, bool relu, float* y) {
  if (rows == 1) block<1, 8>(xb, kp, packed, i, p, out, bias, relu, y);
  else block<2, 8>(xb, kp, packed, i, p, out, bias, relu, y);
}

// Rows outer, panels inner: a 12-row slice of x (12 * kp words, 19 KB for K = 784) stays in L1
// while the weights stream from L2.
void tile(const uint32_t* xb, int64_t kp, const uint32_t* packed, int64_t i0, int64_t i1,
          int64_t p0, int64_t p1, int64_t out, const float* bias, bool relu, float* y) {
  for (int64_t i = i0; i < i1; i += 12) {
    const int rows = static_cast<int>(std::min<int64_t>(12, i1 - i));
    int64_t p = p0;
    if (rows <= 2)
      for (; p + 8 <= p1; p += 8) few_rows_8_panels(rows, xb, kp, packed, i, p, out, bias, relu, y);
    for (; p + 2 <= p1; p += 2) rows_block<2>(rows, xb, kp, packed, i, p, out, bias, relu, y);
    if (p < p1) rows_block<1>(rows, xb, kp, packed, i, p, out, bias, relu, y);
  }
}

constexpr Bf16Kernel kKernel = {"avx512bf16", convert_rows, tile};

}  // namespace

const Bf16Kernel* bf16_kernel_avx512() { return &kKernel; }

}  // namespace jdnn::cpu::detail

#else  // compiler without AVX512-BF16 support: the generic kernel is used

namespace jdnn::cpu::detail {
const Bf16Kernel* bf16_kernel_avx512() { return nullptr; }
}  // namespace jdnn::cpu::detail

#endif
