// AVX-512 sgemm kernels: 12x32 register tile, packing with in-register 16x16 transposes.
// Built with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mavx2; only reached through
// detail::sgemm_kernel_avx512() after a CPUID check.
//
// Everything here has internal linkage and no standard-library templates are instantiated, so
// the linker can never hand AVX-512 code to the baseline path through a shared inline symbol.
#include "gemm.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__) && defined(__FMA__)
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 intrinsics headers
// (GCC PR105593, fixed in 12.3/13); silence it for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

namespace jdnn::cpu::detail {
namespace {

// 12 rows x 2 zmm = 24 accumulators + 2 B vectors + 1 broadcast fit the 32 zmm registers;
// 24 independent FMA chains cover the 4-cycle latency of 2 FMA ports with room to spare.
constexpr int MR = 12;
constexpr int NR = 32;
constexpr __mmask16 kPanelMask = (1u << MR) - 1;

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline __mmask16 lane_mask(int64_t n) {  // first n (clamped to 0..16) lanes
  return n <= 0 ? 0 : n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1);
}

// ---------------------------------------------------------------------------------------------
// Micro-kernel: C[0:R, 0:16*V] (columns limited by masks m0/m1) = alpha*A*B + beta*C.
// R < MR handles the bottom edge without padding work (the packed A stride stays MR); V == 1
// serves panels with at most 16 live columns (e.g. N = 10), halving the work there.

template <int R, int V>
inline void store_tile(const __m512 (&acc)[R][V], float* c, int64_t ldc, float alpha, float beta,
                       __mmask16 m0, __mmask16 m1) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __mmask16 mask[2] = {m0, m1};
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      float* dst = c + r * ldc + 16 * v;
      __m512 out = _mm512_mul_ps(acc[r][v], va);
      // beta == 0: BLAS semantics, C is write-only so NaNs in it cannot leak through.
      if (beta != 0.0f) out = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask[v], dst), vb, out);
      _mm512_mask_storeu_ps(dst, mask[v], out);
    }
  }
}

template <int R, int V>
void micro(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc,
           float alpha, float beta, __mmask16 m0, __mmask16 m1) {
  __m512 acc[R][V];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    a += MR;
    b += NR;
  }
  store_tile<R, V>(acc, c, ldc, alpha, beta, m0, m1);
}

using MicroFn = void (*)(int64_t, const float*, const float*, float*, int64_t, float, float,
                         __mmask16, __mmask16);

template <int V>
constexpr MicroFn kMicro[MR + 1] = {
    nullptr,        micro<1, V>,  micro<2, V>,  micro<3, V>, micro<4, V>,
    micro<5, V>,    micro<6, V>,  micro<7, V>,  micro<8, V>, micro<9, V>,
    micro<10, V>,   micro<11, V>, micro<12, V>};

// Pulls the C tile towards L1 while the micro-kernel runs its k loop. Done here rather than in
// the kernel, where the row addresses would stay live across the loop and cost zmm registers.
inline void prefetch_tile(const float* c, int64_t ldc, int rows) {
  for (int r = 0; r < rows; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 16), _MM_HINT_T0);
  }
}

// Loop order: each A micro-panel (mr x kc, 12 KiB at kc = 256) stays in L1 while the B
// micro-panels of the L2-resident B block (kc x nc) stream past it. Measured slightly faster
// than the opposite order here, mostly on large N.
void macro(int64_t mc, int64_t nc, int64_t kc, float alpha, const float* ap, const float* bp,
           float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < mc; i += MR) {
    const int rows = static_cast<int>(min64(MR, mc - i));
    for (int64_t j = 0; j < nc; j += NR) {
      const int64_t cols = nc - j;
      float* ct = c + i * ldc + j;
      prefetch_tile(ct, ldc, rows);
      const MicroFn fn = cols > 16 ? kMicro<2>[rows] : kMicro<1>[rows];
      fn(kc, ap + i * kc, bp + j * kc, ct, ldc, alpha, beta, lane_mask(cols), lane_mask(cols - 16));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Packing.

// In-register transpose: on return r[j] lane i holds what r[i] lane j held.
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {  // interleave row pairs
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {  // 4x4 blocks transposed inside each 128-bit lane
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  // r[4g+q] lane L = column 4L+q of rows 4g..4g+3; transpose the 4x4 grid of 128-bit lanes.
  for (int q = 0; q < 4; ++q) {
    const __m512 v0 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0x44);
    const __m512 v1 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0x44);
    const __m512 v3 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0xEE);
    t[q] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    t[4 + q] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    t[8 + q] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    t[12 + q] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// Loads up to 16 rows x 16 consecutive floats (row stride ld), zero-filling missing rows/lanes,
// and transposes them: r[q] lane i = src[i*ld + q].
inline void load_transposed(const float* src, int64_t ld, int64_t rows, __mmask16 km,
                            __m512 (&r)[16]) {
  for (int i = 0; i < 16; ++i)
    r[i] = i < rows ? _mm512_maskz_loadu_ps(km, src + i * ld) : _mm512_setzero_ps();
  transpose16(r);
}

// Panel of `rows` (<= MR) rows of a row-major A: dst[k*MR + i] = a[i*lda + k].
void pack_a_rows(const float* a, int64_t lda, int64_t rows, int64_t kc, float* dst) {
  __m512 r[16];
  for (int64_t k = 0; k < kc; k += 16) {
    const int64_t kl = min64(16, kc - k);
    load_transposed(a + k, lda, rows, lane_mask(kl), r);
    for (int64_t q = 0; q < kl; ++q) _mm512_mask_storeu_ps(dst + (k + q) * MR, kPanelMask, r[q]);
  }
}

// Panel of a transposed A (stored K x M): dst[k*MR + i] = a[k*lda + i]; rows are contiguous.
void pack_a_cols(const float* a, int64_t lda, int64_t rows, int64_t kc, float* dst) {
  const __mmask16 m = lane_mask(rows);
  for (int64_t k = 0; k < kc; ++k)
    _mm512_mask_storeu_ps(dst + k * MR, kPanelMask, _mm512_maskz_loadu_ps(m, a + k * lda));
}

void pack_a(bool trans, const float* a, int64_t lda, int64_t mc, int64_t kc, float* dst) {
  for (int64_t i = 0; i < mc; i += MR, dst += MR * kc) {
    const int64_t rows = min64(MR, mc - i);
    if (trans) pack_a_cols(a + i, lda, rows, kc, dst);
    else pack_a_rows(a + i * lda, lda, rows, kc, dst);
  }
}

// Panel of a row-major B: dst[k*NR + j] = b[k*ldb + j].
void pack_b_rows(const float* b, int64_t ldb, int64_t cols, int64_t kc, float* dst) {
  const __mmask16 m0 = lane_mask(cols), m1 = lane_mask(cols - 16);
  for (int64_t k = 0; k < kc; ++k) {
    _mm512_store_ps(dst + k * NR, _mm512_maskz_loadu_ps(m0, b + k * ldb));
    _mm512_store_ps(dst + k * NR + 16, _mm512_maskz_loadu_ps(m1, b + k * ldb + 16));
  }
}

// Panel of a transposed B (stored N x K, the Linear-forward case): dst[k*NR + j] = b[j*ldb + k].
void pack_b_cols(const float* b, int64_t ldb, int64_t cols, int64_t kc, float* dst) {
  __m512 lo[16], hi[16];
  for (int64_t k = 0; k < kc; k += 16) {
    const int64_t kl = min64(16, kc - k);
    const __mmask16 km = lane_mask(kl);
    load_transposed(b + k, ldb, min64(cols, 16), km, lo);
    load_transposed(b + 16 * ldb + k, ldb, cols - 16, km, hi);
    for (int64_t q = 0; q < kl; ++q) {
      _mm512_store_ps(dst + (k + q) * NR, lo[q]);
      _mm512_store_ps(dst + (k + q) * NR + 16, hi[q]);
    }
  }
}

void pack_b(bool trans, const float* b, int64_t ldb, int64_t kc, int64_t nc, float* dst) {
  for (int64_t j = 0; j < nc; j += NR, dst += NR * kc) {
    const int64_t cols = min64(NR, nc - j);
    if (trans) pack_b_cols(b + j * ldb, ldb, cols, kc, dst);
    else pack_b_rows(b + j, ldb, cols, kc, dst);
  }
}

// ---------------------------------------------------------------------------------------------
// Matrix-vector helpers (M == 1 or N == 1): memory bound, so no packing.

// Horizontal sum. Stays in zmm: GCC 12's 512->256 casts (and _mm512_reduce_add_ps) trip
// -Wmaybe-uninitialized.
inline float hsum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0x4E));  // + other 256-bit half
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0xB1));  // + neighbouring 128-bit lane
  v = _mm512_add_ps(v, _mm512_permute_ps(v, 0x4E));        // + other 64-bit pair
  v = _mm512_add_ps(v, _mm512_permute_ps(v, 0xB1));        // + neighbouring float
  return _mm512_cvtss_f32(v);
}

// out[j] = dot(mat row j, x); four rows at a time share each load of x.
void dot_rows(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x, float* out) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* r0 = mat + j * ld;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t p = 0; p < k; p += 16) {
      const __mmask16 m = lane_mask(k - p);
      const __m512 xv = _mm512_maskz_loadu_ps(m, x + p);
      s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r0 + p), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r0 + ld + p), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r0 + 2 * ld + p), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r0 + 3 * ld + p), xv, s3);
    }
    out[j] = hsum(s0);
    out[j + 1] = hsum(s1);
    out[j + 2] = hsum(s2);
    out[j + 3] = hsum(s3);
  }
  for (; j < n; ++j) {
    __m512 s = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p += 16) {
      const __mmask16 m = lane_mask(k - p);
      s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, mat + j * ld + p), _mm512_maskz_loadu_ps(m, x + p), s);
    }
    out[j] = hsum(s);
  }
}

// out[j0:j0+16*V] += sum_k x[k] * mat[k, j0:...]; V accumulators stay in registers over all k.
template <int V>
void axpy_block(int64_t k, const float* mat, int64_t ld, const float* x, int64_t incx,
                __mmask16 last, float* out) {
  __m512 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m512 xv = _mm512_set1_ps(x[p * incx]);
    const float* row = mat + p * ld;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const __mmask16 m = v == V - 1 ? last : 0xFFFF;
      acc[v] = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m, row + 16 * v), acc[v]);
    }
  }
  for (int v = 0; v < V; ++v) _mm512_mask_storeu_ps(out + 16 * v, v == V - 1 ? last : 0xFFFF, acc[v]);
}

void axpy_rows(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x, int64_t incx,
               float* out) {
  int64_t j = 0;
  for (; j + 128 <= n; j += 128) axpy_block<8>(k, mat + j, ld, x, incx, 0xFFFF, out + j);
  for (; j < n; j += 16) axpy_block<1>(k, mat + j, ld, x, incx, lane_mask(n - j), out + j);
}

// kc = 256: an A micro-panel (12 x 256 floats, 12 KiB) stays in L1 during the macro loop.
// nc = 1024: the packed B block (256 x 1024 floats, 1 MiB) stays in L2 (2 MiB per core on
// Sapphire Rapids). Tuning mc/kc/nc within 2x of these changed results by less than the noise.
constexpr SgemmKernel kKernel = {
    "avx512", MR, NR,
    /*mc=*/MR * 16, /*kc=*/256, /*nc=*/NR * 32,
    pack_a, pack_b, macro, dot_rows, axpy_rows};

}  // namespace

const SgemmKernel* sgemm_kernel_avx512() { return &kKernel; }

}  // namespace jdnn::cpu::detail

#else  // built without the AVX-512 flags: the dispatcher falls back to another kernel

namespace jdnn::cpu::detail {
const SgemmKernel* sgemm_kernel_avx512() { return nullptr; }
}  // namespace jdnn::cpu::detail

#endif
