#include <cmath>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/optim.h"

namespace jdnn::cpu {

void CpuBackend::sgd(Tensor& p, const Tensor& g, Tensor& buf, double lr, double momentum,
                     double dampening, double wd, bool nesterov, bool first) {
  const kernels::SgdParams s{lr, momentum, dampening, wd, nesterov, first};
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *bs = buf.data<T>();
    const T* gs = g.data<T>();
    parallel_for(p.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) kernels::sgd_update(ps[i], gs[i], bs[i], s);
    });
  });
}

void CpuBackend::adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, double lr, double b1,
                      double b2, double eps, double wd, int64_t step) {
  const kernels::AdamParams a{lr, b1, b2, eps, wd, 1 - std::pow(b1, static_cast<double>(step)),
                              std::sqrt(1 - std::pow(b2, static_cast<double>(step)))};
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *ms = m.data<T>(), *vs = v.data<T>();
    const T* gs = g.data<T>();
    parallel_for(p.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) kernels::adam_update(ps[i], gs[i], ms[i], vs[i], a);
    });
  });
}

}  // namespace jdnn::cpu
