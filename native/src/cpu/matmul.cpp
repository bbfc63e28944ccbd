#include "cpu/cpu_backend.h"
#include "cpu/gemm.h"

#include <algorithm>

namespace jdnn::cpu {

// Shapes were checked by the facade; here only the storage order matters:
// a row-major (r, c) matrix has leading dimension c whether or not it is transposed.
void CpuBackend::matmul(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha,
                        double beta) {
  const int64_t m = c.dim(0), n = c.dim(1);
  const int64_t k = ta ? a.dim(0) : a.dim(1);
  if (c.dtype == 0) {
    sgemm(ta, tb, m, n, k, static_cast<float>(alpha), a.data<float>(), a.dim(1), b.data<float>(),
          b.dim(1), static_cast<float>(beta), c.data<float>(), n);
  } else {
    dgemm(ta, tb, m, n, k, alpha, a.data<double>(), a.dim(1), b.data<double>(), b.dim(1), beta,
          c.data<double>(), n);
  }
}

// The bias rows are written first and the GEMM accumulates onto them (beta = 1).
void CpuBackend::linear(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y) {
  const int64_t n = x.dim(0), in = x.dim(1), out = w.dim(0);
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* ys = y.data<T>();
    if (bias != nullptr) {
      const T* bs = bias->data<T>();
      for (int64_t r = 0; r < n; ++r) std::copy(bs, bs + out, ys + r * out);
    }
    const T beta = bias != nullptr ? T(1) : T(0);
    if constexpr (sizeof(T) == 4) {
      sgemm(false, true, n, out, in, 1.0f, x.data<float>(), in, w.data<float>(), in, beta, ys, out);
    } else {
      dgemm(false, true, n, out, in, 1.0, x.data<double>(), in, w.data<double>(), in, beta, ys, out);
    }
  });
}

}  // namespace jdnn::cpu
