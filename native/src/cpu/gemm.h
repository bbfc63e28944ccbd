#pragma once
#include <cstdint>

namespace jdnn::cpu {

// Row-major: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// op(A) = A (M x K, leading dim lda) or, if transA, A is stored K x M and transposed. Same for B.
// beta == 0 means C is not read (NaN/garbage in C must not leak through), as in BLAS.
// K == 0 means C = beta*C. M or N == 0 is a no-op. Uses the pool's threads.
// Invalid sizes / leading dimensions throw std::invalid_argument.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void dgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

// sgemm or dgemm by element type, for code templated over float and double.
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc) {
  if constexpr (sizeof(T) == 4) {
    sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

// C = act(op(A) op(B) + bias) with bias[N] (or nullptr) added to every row and act = ReLU when
// `relu`, else identity. The bias and activation are applied by the thread that computed each block
// of C, right after computing it (still in cache), instead of in separate passes over C.
void sgemm_bias_act(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A,
                    int64_t lda, const float* B, int64_t ldb, const float* bias, bool relu, float* C,
                    int64_t ldc);

// Name of the kernel chosen at run time ("avx512", "avx2", "generic"), for logs and docs.
const char* sgemm_kernel_name();

namespace detail {

// Internal interface between the blocking driver (gemm.cpp) and the ISA-specific kernels
// (gemm_avx2.cpp, gemm_avx512.cpp), which are compiled with different -m flags. Everything an ISA
// file defines lives behind these function pointers, so no inline/template code compiled with
// AVX-512 can be picked by the linker for use on the baseline path.
struct SgemmKernel {
  const char* name;
  int mr, nr;              // register tile: mr rows of C by nr columns
  int64_t mc, kc, nc;      // cache blocking (upper bounds; the driver balances the blocks)

  // Packs op(A)[0:mc, 0:kc] into ceil(mc/mr) panels of mr rows, k-major inside a panel
  // (panel p holds kc groups of mr values), zero padding the last panel.
  // `a` points at op(A)[0][0]: row i, col k is a[i*lda + k], or a[k*lda + i] when trans.
  void (*pack_a)(bool trans, const float* a, int64_t lda, int64_t mc, int64_t kc, float* dst);
  // Packs op(B)[0:kc, 0:nc] into ceil(nc/nr) panels of nr columns (kc groups of nr values each),
  // zero padded. op(B) row k, col j is b[k*ldb + j], or b[j*ldb + k] when trans.
  void (*pack_b)(bool trans, const float* b, int64_t ldb, int64_t kc, int64_t nc, float* dst);
  // C[0:mc, 0:nc] = alpha * Apacked * Bpacked + beta * C (beta == 0: C is not read).
  void (*macro)(int64_t mc, int64_t nc, int64_t kc, float alpha, const float* ap, const float* bp,
                float beta, float* c, int64_t ldc);
  // Matrix-vector helpers for M == 1 or N == 1 (no packing). Both overwrite out[0:n].
  // dot_rows:  out[j] = sum_k mat[j*ld + k] * x[k]          (x contiguous)
  // axpy_rows: out[j] = sum_k mat[k*ld + j] * x[k*incx]
  void (*dot_rows)(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x, float* out);
  void (*axpy_rows)(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x,
                    int64_t incx, float* out);
};

// Each returns nullptr when its file was built without the needed compiler flags.
const SgemmKernel* sgemm_kernel_generic();
const SgemmKernel* sgemm_kernel_avx2();
const SgemmKernel* sgemm_kernel_avx512();

// Test/bench hook: switch the kernel ("generic", "avx2", "avx512"). Returns false (and keeps the
// current one) if the name is unknown or this CPU/build cannot run it. Not thread-safe against
// concurrent sgemm calls; meant for tests.
bool sgemm_force_kernel(const char* name);

}  // namespace detail
}  // namespace jdnn::cpu
