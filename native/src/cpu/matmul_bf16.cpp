// Autocast's products on the CPU in bfloat16: c = op(a) op(b) (+ bias per column), the operands
// rounded to bf16 (nearest even), the products summed in float32, through the bf16 inference
// GEMM (gemm_bf16.cpp: AMX or AVX512-BF16). That GEMM multiplies row-major float32 rows ("x",
// converted as it goes) by a packed operand made from a (k, n) row-major source by interleaving
// pairs of its rows; every product here is arranged into that shape with as few float32
// transposes as possible, choosing between c = op(a) op(b) and c^T = op(b)^T op(a)^T.
#include <xmmintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/gemm_bf16.h"
#include "cpu/thread_pool.h"
#include "kernels/bf16.h"

namespace jdnn::cpu {

namespace {

// dst (cols, rows) = src (rows, cols)^T, row-major: 32 x 32 blocks (cache-friendly both ways) of
// 4 x 4 SSE transposes, the ragged edges element by element.
void transpose(const float* src, int64_t rows, int64_t cols, float* dst) {
  constexpr int64_t kB = 32;
  parallel_for((rows + kB - 1) / kB, 4, [&](int64_t b0, int64_t b1) {
    const int64_t i_end = std::min(rows, b1 * kB);
    for (int64_t i0 = b0 * kB; i0 < i_end; i0 += kB) {
      const int64_t i1 = std::min(i_end, i0 + kB);
      for (int64_t j0 = 0; j0 < cols; j0 += kB) {
        const int64_t j1 = std::min(cols, j0 + kB);
        int64_t i = i0;
        for (; i + 4 <= i1; i += 4) {
          int64_t j = j0;
          for (; j + 4 <= j1; j += 4) {
            __m128 r0 = _mm_loadu_ps(src + i * cols + j), r1 = _mm_loadu_ps(src + (i + 1) * cols + j);
            __m128 r2 = _mm_loadu_ps(src + (i + 2) * cols + j), r3 = _mm_loadu_ps(src + (i + 3) * cols + j);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            _mm_storeu_ps(dst + j * rows + i, r0);
            _mm_storeu_ps(dst + (j + 1) * rows + i, r1);
            _mm_storeu_ps(dst + (j + 2) * rows + i, r2);
            _mm_storeu_ps(dst + (j + 3) * rows + i, r3);
          }
          for (; j < j1; ++j)
            for (int64_t r = i; r < i + 4; ++r) dst[j * rows + r] = src[r * cols + j];
        }
        for (; i < i1; ++i)
          for (int64_t j = j0; j < j1; ++j) dst[j * rows + i] = src[i * cols + j];
      }
    }
  });
}

// The packed operand (gemm_bf16.h's layout) of the product x src, src (k, n) row-major: panel p,
// pair kk, lane l holds bf16(src[2kk][16p + l]) | bf16(src[2kk + 1][16p + l]) << 16, zero padded.
// The lanes read 16 consecutive floats of two rows and kernels::float_to_bf16 has no branch, so
// the inner loop vectorizes; the AVX-512 clone (chosen at load time where the CPU has it) does 16
// lanes at once with the same integer rounding, so every CPU packs the same bits.
__attribute__((target_clones("avx512f", "default")))
void pack_panels(const float* src, int64_t k, int64_t n, int64_t p0, int64_t p1, uint32_t* packed) {
  const int64_t kp = bf16_kp(k);
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t j0 = p * 16, lanes = std::min<int64_t>(16, n - j0);
    for (int64_t kk = 0; kk < kp; ++kk) {
      uint32_t* out = packed + (p * kp + kk) * 16;
      const int64_t r0 = 2 * kk, r1 = 2 * kk + 1;
      if (r1 < k && lanes == 16) {
        const float* a = src + r0 * n + j0;
        const float* b = src + r1 * n + j0;
        for (int64_t l = 0; l < 16; ++l)
          out[l] = kernels::float_to_bf16(a[l]) | static_cast<uint32_t>(kernels::float_to_bf16(b[l])) << 16;
        continue;
      }
      for (int64_t l = 0; l < 16; ++l) {  // the last row of an odd k, padding, a partial last panel
        const float a = r0 < k && l < lanes ? src[r0 * n + j0 + l] : 0.0f;
        const float b = r1 < k && l < lanes ? src[r1 * n + j0 + l] : 0.0f;
        out[l] = kernels::float_to_bf16(a) | static_cast<uint32_t>(kernels::float_to_bf16(b)) << 16;
      }
    }
  }
}

void pack_rows(const float* src, int64_t k, int64_t n, uint32_t* packed) {
  parallel_for((n + 15) / 16, 4, [&](int64_t p0, int64_t p1) { pack_panels(src, k, n, p0, p1, packed); });
}

// Per-thread scratch kept between calls: no allocation in steady state.
struct Buffers {
  std::vector<float> xt, bt, ct;
  std::vector<uint32_t> packed;
};
thread_local Buffers t_buf;

// out (m, n) = x (m, k) src (k, n) + bias (n) or nothing.
void product(const float* x, int64_t m, int64_t k, const float* src, int64_t n, const float* bias, float* out) {
  t_buf.packed.resize(static_cast<size_t>(bf16_packed_words(n, k)));
  pack_rows(src, k, n, t_buf.packed.data());
  linear_bf16(x, m, k, t_buf.packed.data(), n, bias, false, out);
}

}  // namespace

void matmul_bf16_2d(const float* A, const float* B, const float* bias, float* C, int64_t m, int64_t n, int64_t k,
                    bool ta, bool tb) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: the bias alone
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) C[i * n + j] = bias != nullptr ? bias[j] : 0.0f;
    return;
  }
  // Floats transposed: directly, op(a) when ta and op(b) when tb; swapped (c^T = op(b)^T op(a)^T,
  // then c^T transposed back), op(b)^T when !tb, op(a)^T when !ta, and c. The bias runs along c's
  // columns, which are the swapped product's rows: the swapped form adds it to c after the
  // transpose, to the finished float32 sums, as the kernel adds it in the direct form.
  const int64_t direct = (ta ? m * k : 0) + (tb ? n * k : 0);
  const int64_t swapped = (tb ? 0 : n * k) + (ta ? 0 : m * k) + m * n;
  if (direct <= swapped) {
    const float* x = A;
    if (ta) {
      t_buf.xt.resize(static_cast<size_t>(m * k));
      transpose(A, k, m, t_buf.xt.data());
      x = t_buf.xt.data();
    }
    const float* src = B;
    if (tb) {
      t_buf.bt.resize(static_cast<size_t>(n * k));
      transpose(B, n, k, t_buf.bt.data());
      src = t_buf.bt.data();
    }
    product(x, m, k, src, n, bias, C);
    return;
  }
  // c^T (n, m) = op(b)^T (n, k) op(a)^T (k, m): op(b)^T is b itself when tb, op(a)^T is a itself when ta.
  const float* x = B;
  if (!tb) {
    t_buf.bt.resize(static_cast<size_t>(n * k));
    transpose(B, k, n, t_buf.bt.data());
    x = t_buf.bt.data();
  }
  const float* src = A;
  if (!ta) {
    t_buf.xt.resize(static_cast<size_t>(m * k));
    transpose(A, m, k, t_buf.xt.data());
    src = t_buf.xt.data();
  }
  t_buf.ct.resize(static_cast<size_t>(n * m));
  product(x, n, k, src, m, nullptr, t_buf.ct.data());
  transpose(t_buf.ct.data(), n, m, C);
  if (bias != nullptr) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) C[i * n + j] += bias[j];
  }
}

// 2-D operands, or 3-D ones with one batch size (torch.bmm, no bias): one product per batch entry.
void CpuBackend::matmul_half(const Tensor& a, const Tensor& b, const Tensor* bias, Tensor& c, bool ta, bool tb,
                             DType low) {
  JDNN_CHECK(low == DType::BFLOAT16, "matmul_half: float16 products need a CUDA device; the CPU has no float16 GEMM"
             " (float16 autocast takes its reference path there)");
  const int r = c.ndim();
  const int64_t batch = r == 3 ? c.dim(0) : 1, m = c.dim(r - 2), n = c.dim(r - 1);
  const int64_t k = ta ? a.dim(r - 2) : a.dim(r - 1);
  const int64_t sa = a.dim(r - 2) * a.dim(r - 1), sb = b.dim(r - 2) * b.dim(r - 1);
  for (int64_t i = 0; i < batch; ++i)
    matmul_bf16_2d(a.data<float>() + i * sa, b.data<float>() + i * sb, bias != nullptr ? bias->data<float>() : nullptr,
                   c.data<float>() + i * m * n, m, n, k, ta, tb);
}

}  // namespace jdnn::cpu
