#include <cmath>

#include "cpu/cpu_backend.h"
#include "cpu/denormals.h"
#include "cpu/thread_pool.h"
#include "kernels/optim.h"

namespace jdnn::cpu {

namespace {

// Runs f(i, scratch) over p's elements on the pool; scratch is a per-element
// zero that stands in for state tensors the optimizer does not keep.
template <class T, class F>
void for_each_element(const Tensor& p, F&& f) {
  parallel_for(p.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
    FlushDenormals ftz;  // per chunk: each worker thread sets and restores its own MXCSR
    for (int64_t i = b; i < e; ++i) {
      T scratch = T(0);
      f(i, scratch);
    }
  });
}

template <class T>
T* data_or_null(Tensor* t) {
  return t != nullptr ? t->data<T>() : nullptr;
}

}  // namespace

void CpuBackend::sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum,
                     double dampening, double wd, bool nesterov, bool first) {
  const kernels::SgdParams s{lr, momentum, dampening, wd, nesterov, first};
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *bs = data_or_null<T>(buf);
    const T* gs = g.data<T>();
    for_each_element<T>(p, [&](int64_t i, T& scratch) {
      kernels::sgd_update(ps[i], gs[i], bs ? bs[i] : scratch, s);
    });
  });
}

void CpuBackend::adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay,
                         double eps, double wd, int64_t step) {
  const kernels::AdagradParams a = kernels::adagrad_params(lr, lr_decay, eps, wd, step);
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *ss = sum.data<T>();
    const T* gs = g.data<T>();
    for_each_element<T>(p, [&](int64_t i, T&) { kernels::adagrad_update(ps[i], gs[i], ss[i], a); });
  });
}

void CpuBackend::rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg,
                         Tensor* buf, double lr, double alpha, double eps, double wd,
                         double momentum) {
  const kernels::RmspropParams r{lr, alpha, eps, wd, momentum, grad_avg != nullptr};
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *sq = square_avg.data<T>();
    T *ga = data_or_null<T>(grad_avg), *bs = data_or_null<T>(buf);
    const T* gs = g.data<T>();
    for_each_element<T>(p, [&](int64_t i, T& scratch) {
      T unused = T(0);
      kernels::rmsprop_update(ps[i], gs[i], sq[i], ga ? ga[i] : scratch, bs ? bs[i] : unused, r);
    });
  });
}

namespace {
template <bool AMSGRAD, bool DECOUPLED, class T>
void adam_loop(T* ps, const T* gs, T* ms, T* vs, T* mx, int64_t n, const kernels::AdamConstants<T>& c) {
  parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    FlushDenormals ftz;
    T scratch = T(0);
    for (int64_t i = b; i < e; ++i) {
      kernels::adam_update<AMSGRAD, DECOUPLED>(ps[i], gs[i], ms[i], vs[i], AMSGRAD ? mx[i] : scratch, c);
    }
  });
}
}  // namespace

void CpuBackend::adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr,
                      double b1, double b2, double eps, double wd, int64_t step, bool decoupled) {
  const kernels::AdamParams a =
      kernels::adam_params(lr, b1, b2, eps, wd, step, v_max != nullptr, decoupled);
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    const kernels::AdamConstants<T> c(a);
    T *ps = p.data<T>(), *ms = m.data<T>(), *vs = v.data<T>(), *mx = data_or_null<T>(v_max);
    const T* gs = g.data<T>();
    kernels::with_adam_variant(mx != nullptr, decoupled, [&](auto amsgrad, auto decoupled_) {
      adam_loop<decltype(amsgrad)::value, decltype(decoupled_)::value>(ps, gs, ms, vs, mx, p.numel, c);
    });
  });
}

void CpuBackend::clip_value(Tensor& g, double limit) {
  with_float_type(g.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* gs = g.data<T>();
    const T c = static_cast<T>(limit);
    for_each_element<T>(g, [&](int64_t i, T&) { gs[i] = kernels::clip_value(gs[i], c); });
  });
}

}  // namespace jdnn::cpu
