#include <algorithm>

#include "cpu/cpu_backend.h"
#include "cpu/gemm.h"
#include "cpu/thread_pool.h"
#include "jdnn/jdnn.h"
#include "kernels/unary.h"

namespace jdnn::cpu {

namespace {

// Below this many multiply-adds (about 128^3) one GEMM cannot keep the pool's threads busy, so the
// batch is spread over the threads even when it has fewer entries than threads. With at least as
// many entries as threads the batch is spread whatever the size, as conv spreads its samples; on
// 2 threads that measured the same as threading each GEMM for 128^3..256^3 products and 1.3-3x
// faster for 32^3..64^3 ones.
constexpr int64_t kSmallProduct = int64_t(1) << 21;

// Batch entries are independent and each writes only its own c[i], so the result does not depend
// on which thread computed what. Entries are claimed one at a time so that a thread that loses its
// core delays the call by one product, not by a fixed share of the batch. Inside a pool thread the
// GEMM runs inline (nested parallel_for is serial).
template <class T>
void bmm_typed(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, T alpha, T beta) {
  const int64_t batch = c.dim(0), m = c.dim(1), n = c.dim(2), k = ta ? a.dim(1) : a.dim(2);
  const int64_t lda = std::max<int64_t>(1, a.dim(2)), ldb = std::max<int64_t>(1, b.dim(2));
  const int64_t ldc = std::max<int64_t>(1, n);
  const int64_t sa = a.dim(1) * a.dim(2), sb = b.dim(1) * b.dim(2), sc = m * n;
  const T* ap = a.data<T>();
  const T* bp = b.data<T>();
  T* cp = c.data<T>();
  auto one = [&](int64_t i) {
    gemm<T>(ta, tb, m, n, k, alpha, ap + i * sa, lda, bp + i * sb, ldb, beta, cp + i * sc, ldc);
  };
  const int threads = num_threads();
  for_each_item(batch, threads > 1 && batch > 1 && (batch >= threads || m * n * k < kSmallProduct), one);
}

}  // namespace

// Shapes were checked by the facade; here only the storage order matters:
// a row-major (r, c) matrix has leading dimension c whether or not it is transposed.
void CpuBackend::matmul(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha,
                        double beta) {
  const int64_t m = c.dim(0), n = c.dim(1);
  const int64_t k = ta ? a.dim(0) : a.dim(1);
  // BLAS wants leading dimensions >= 1 even for empty matrices.
  const int64_t lda = std::max<int64_t>(1, a.dim(1)), ldb = std::max<int64_t>(1, b.dim(1));
  const int64_t ldc = std::max<int64_t>(1, n);
  if (c.dtype == DType::FLOAT32) {
    sgemm(ta, tb, m, n, k, static_cast<float>(alpha), a.data<float>(), lda, b.data<float>(), ldb,
          static_cast<float>(beta), c.data<float>(), ldc);
  } else {
    dgemm(ta, tb, m, n, k, alpha, a.data<double>(), lda, b.data<double>(), ldb, beta, c.data<double>(), ldc);
  }
}

// Shapes were checked by the facade: c[i] = alpha op(a[i]) op(b[i]) + beta c[i].
void CpuBackend::bmm(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha, double beta) {
  if (c.dtype == DType::FLOAT32) {
    bmm_typed<float>(a, b, c, ta, tb, static_cast<float>(alpha), static_cast<float>(beta));
  } else {
    bmm_typed<double>(a, b, c, ta, tb, alpha, beta);
  }
}

// float32: the GEMM adds the bias and applies the ReLU to each block of y as it finishes it.
// float64 (gradient checks only): the bias rows are written first, the GEMM accumulates onto them
// (beta = 1) and the ReLU is a pass at the end.
void CpuBackend::linear(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, bool relu) {
  const int64_t n = x.dim(0), out = w.dim(0);
  const int64_t in = x.dim(1), ld_in = std::max<int64_t>(1, in), ld_out = std::max<int64_t>(1, out);
  if (x.dtype == DType::FLOAT32) {
    sgemm_bias_act(false, true, n, out, in, x.data<float>(), ld_in, w.data<float>(), ld_in,
                   bias != nullptr ? bias->data<float>() : nullptr, relu, y.data<float>(), ld_out);
    return;
  }
  double* ys = y.data<double>();
  if (bias != nullptr) {
    const double* bs = bias->data<double>();
    for (int64_t r = 0; r < n; ++r) std::copy(bs, bs + out, ys + r * out);
  }
  dgemm(false, true, n, out, in, 1.0, x.data<double>(), ld_in, w.data<double>(), ld_in, bias != nullptr ? 1.0 : 0.0,
        ys, ld_out);
  if (relu)
    for (int64_t i = 0; i < n * out; ++i) ys[i] = kernels::Relu{}.fwd(ys[i], 0.0, 0.0);
}

// The GEMM and the row sum as the unfused ops compute them (matmul, sum_to), so the CPU's
// gradients are bit for bit what Linear's backward gave before this op existed.
void CpuBackend::linear_weight_grad(const Tensor& g, const Tensor& x, Tensor& dw, double beta, Tensor* db) {
  matmul(g, x, dw, true, false, 1.0, beta);
  if (db != nullptr) sum_to(g, *db);
}

}  // namespace jdnn::cpu
