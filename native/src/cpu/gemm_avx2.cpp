// AVX2+FMA sgemm kernels: 6x16 register tile (12 ymm accumulators + 2 B vectors + 1 broadcast
// of the 16 ymm registers). Built with -mavx2 -mfma; only reached through
// detail::sgemm_kernel_avx2() after a CPUID check.
//
// Everything here has internal linkage and no standard-library templates are instantiated, so
// the linker can never hand AVX2 code to the baseline path through a shared inline symbol.
#include "gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace jdnn::cpu::detail {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Lane mask for maskload/maskstore: lanes [0, n) of an 8-float vector (n clamped to 0..8).
inline __m256i lane_mask(int64_t n) {
  const int c = n <= 0 ? 0 : n >= 8 ? 8 : static_cast<int>(n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// ---------------------------------------------------------------------------------------------
// Micro-kernel: C[0:R, 0:16] (columns limited by m0/m1, or all when full) = alpha*A*B + beta*C.

template <int R>
inline void store_tile(const __m256 (&c0)[R], const __m256 (&c1)[R], float* c, int64_t ldc,
                       float alpha, float beta, int64_t cols) {
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool full = cols >= NR;
  const __m256i m0 = lane_mask(cols), m1 = lane_mask(cols - 8);
  for (int r = 0; r < R; ++r) {
    float* row = c + r * ldc;
    __m256 v0 = _mm256_mul_ps(c0[r], va), v1 = _mm256_mul_ps(c1[r], va);
    if (beta != 0.0f) {  // beta == 0: C is write-only (BLAS semantics)
      const __m256 o0 = full ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, m0);
      const __m256 o1 = full ? _mm256_loadu_ps(row + 8) : _mm256_maskload_ps(row + 8, m1);
      v0 = _mm256_fmadd_ps(o0, vb, v0);
      v1 = _mm256_fmadd_ps(o1, vb, v1);
    }
    if (full) {
      _mm256_storeu_ps(row, v0);
      _mm256_storeu_ps(row + 8, v1);
    } else {
      _mm256_maskstore_ps(row, m0, v0);
      _mm256_maskstore_ps(row + 8, m1, v1);
    }
  }
}

template <int R>
void micro(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc,
           float alpha, float beta, int64_t cols) {
  __m256 c0[R], c1[R];
  for (int r = 0; r < R; ++r) {
    c0[r] = _mm256_setzero_ps();
    c1[r] = _mm256_setzero_ps();
  }
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
    a += MR;
    b += NR;
  }
  store_tile<R>(c0, c1, c, ldc, alpha, beta, cols);
}

using MicroFn = void (*)(int64_t, const float*, const float*, float*, int64_t, float, float,
                         int64_t);
constexpr MicroFn kMicro[MR + 1] = {nullptr,  micro<1>, micro<2>, micro<3>,
                                    micro<4>, micro<5>, micro<6>};

void macro(int64_t mc, int64_t nc, int64_t kc, float alpha, const float* ap, const float* bp,
           float beta, float* c, int64_t ldc) {
  for (int64_t j = 0; j < nc; j += NR) {
    const float* bpanel = bp + j * kc;
    for (int64_t i = 0; i < mc; i += MR) {
      const int rows = static_cast<int>(min64(MR, mc - i));
      for (int r = 0; r < rows; ++r)  // C tile towards L1 while the k loop runs
        _mm_prefetch(reinterpret_cast<const char*>(c + (i + r) * ldc + j), _MM_HINT_T0);
      kMicro[rows](kc, ap + i * kc, bpanel, c + i * ldc + j, ldc, alpha, beta, nc - j);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Packing.

// In-register 8x8 transpose: on return r[j] lane i holds what r[i] lane j held.
inline void transpose8(__m256 (&r)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int q = 0; q < 4; ++q) {  // u[q]: rows 0-3, u[4+q]: rows 4-7; 128-bit lane L = column 4L+q
    r[q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x20);
    r[4 + q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x31);
  }
}

// Panel of a row-major A: dst[k*MR + i] = a[i*lda + k]. Six strided rows; scalar is adequate
// because A blocks are small next to the B blocks they multiply.
void pack_a_rows(const float* a, int64_t lda, int64_t rows, int64_t kc, float* dst) {
  for (int64_t k = 0; k < kc; ++k)
    for (int64_t i = 0; i < MR; ++i) dst[k * MR + i] = i < rows ? a[i * lda + k] : 0.0f;
}

// Panel of a transposed A (stored K x M): rows are contiguous.
void pack_a_cols(const float* a, int64_t lda, int64_t rows, int64_t kc, float* dst) {
  for (int64_t k = 0; k < kc; ++k)
    for (int64_t i = 0; i < MR; ++i) dst[k * MR + i] = i < rows ? a[k * lda + i] : 0.0f;
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
  const __m256i m0 = lane_mask(cols), m1 = lane_mask(cols - 8);
  for (int64_t k = 0; k < kc; ++k) {
    _mm256_store_ps(dst + k * NR, _mm256_maskload_ps(b + k * ldb, m0));
    _mm256_store_ps(dst + k * NR + 8, _mm256_maskload_ps(b + k * ldb + 8, m1));
  }
}

// Eight columns j of a transposed B, 8 k at a time: out[q] lane i = b[i*ldb + q].
inline void load_transposed(const float* b, int64_t ldb, int64_t cols, __m256i km,
                            __m256 (&r)[8]) {
  for (int i = 0; i < 8; ++i)
    r[i] = i < cols ? _mm256_maskload_ps(b + i * ldb, km) : _mm256_setzero_ps();
  transpose8(r);
}

// Panel of a transposed B (stored N x K): dst[k*NR + j] = b[j*ldb + k].
void pack_b_cols(const float* b, int64_t ldb, int64_t cols, int64_t kc, float* dst) {
  __m256 lo[8], hi[8];
  for (int64_t k = 0; k < kc; k += 8) {
    const int64_t kl = min64(8, kc - k);
    const __m256i km = lane_mask(kl);
    load_transposed(b + k, ldb, min64(cols, 8), km, lo);
    load_transposed(b + 8 * ldb + k, ldb, cols - 8, km, hi);
    for (int64_t q = 0; q < kl; ++q) {
      _mm256_store_ps(dst + (k + q) * NR, lo[q]);
      _mm256_store_ps(dst + (k + q) * NR + 8, hi[q]);
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
// Matrix-vector helpers (M == 1 or N == 1).

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// out[j] = dot(mat row j, x), four rows at a time sharing each load of x.
void dot_rows(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x, float* out) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* r0 = mat + j * ld;
    __m256 s[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
    for (int64_t p = 0; p < k; p += 8) {
      const __m256i m = lane_mask(k - p);
      const __m256 xv = _mm256_maskload_ps(x + p, m);
      for (int r = 0; r < 4; ++r)
        s[r] = _mm256_fmadd_ps(_mm256_maskload_ps(r0 + r * ld + p, m), xv, s[r]);
    }
    for (int r = 0; r < 4; ++r) out[j + r] = hsum(s[r]);
  }
  for (; j < n; ++j) {
    __m256 s = _mm256_setzero_ps();
    for (int64_t p = 0; p < k; p += 8) {
      const __m256i m = lane_mask(k - p);
      s = _mm256_fmadd_ps(_mm256_maskload_ps(mat + j * ld + p, m), _mm256_maskload_ps(x + p, m), s);
    }
    out[j] = hsum(s);
  }
}

// out[0:8*V] = sum_k x[k] * mat[k, 0:8*V]; the last vector limited by `last`.
template <int V>
void axpy_block(int64_t k, const float* mat, int64_t ld, const float* x, int64_t incx,
                __m256i last, float* out) {
  const __m256i all = lane_mask(8);
  __m256 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m256 xv = _mm256_set1_ps(x[p * incx]);
    const float* row = mat + p * ld;
    for (int v = 0; v < V; ++v)
      acc[v] = _mm256_fmadd_ps(xv, _mm256_maskload_ps(row + 8 * v, v == V - 1 ? last : all), acc[v]);
  }
  for (int v = 0; v < V; ++v) _mm256_maskstore_ps(out + 8 * v, v == V - 1 ? last : all, acc[v]);
}

void axpy_rows(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x, int64_t incx,
               float* out) {
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) axpy_block<8>(k, mat + j, ld, x, incx, lane_mask(8), out + j);
  for (; j < n; j += 8) axpy_block<1>(k, mat + j, ld, x, incx, lane_mask(n - j), out + j);
}

constexpr SgemmKernel kKernel = {
    "avx2", MR, NR,
    /*mc=*/MR * 32, /*kc=*/256, /*nc=*/NR * 128,
    pack_a, pack_b, macro, dot_rows, axpy_rows};

}  // namespace

const SgemmKernel* sgemm_kernel_avx2() { return &kKernel; }

}  // namespace jdnn::cpu::detail

#else  // built without AVX2/FMA flags: the dispatcher falls back to the generic kernel

namespace jdnn::cpu::detail {
const SgemmKernel* sgemm_kernel_avx2() { return nullptr; }
}  // namespace jdnn::cpu::detail

#endif
