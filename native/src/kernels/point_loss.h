// Per-element losses l(x, t) and their derivative in x, named by jdnn/ops.def's JDNN_POINT_LOSSES rows.
#pragma once
#include "jdnn/jdnn.h"
#include "kernels/common.h"

namespace jdnn::kernels {

// A functor with kHasDomain defines l(x, t) only where in_domain(x, t) holds; the backends report the
// first element where it does not instead of returning a loss computed outside the domain.

// PyTorch's BCELoss: -(t log p + (1 - t) log(1 - p)) with both logs clamped at -100, so p = 0 or 1
// gives a finite loss; log(1 - p) is log1p(-p), exact for tiny p where 1 - p would round. Defined
// for p and t in [0, 1] only (PyTorch raises otherwise, NaN included). The gradient divides by
// max(p (1 - p), kEpsilon), kEpsilon being PyTorch's float constant 1e-12 in every dtype.
struct BceProb {
  static constexpr bool kHasDomain = true;
  static constexpr float kEpsilon = 1e-12f;
  template <class T> JDNN_HD bool in_domain(T p, T t) const {
    return p >= T(0) && p <= T(1) && t >= T(0) && t <= T(1);
  }
  template <class T> JDNN_HD T fwd(T p, T t) const {
    const T lp = device_math::log(p) > T(-100) ? device_math::log(p) : T(-100);
    const T lq = device_math::log1p(-p) > T(-100) ? device_math::log1p(-p) : T(-100);
    return -(t * lp + (T(1) - t) * lq);
  }
  template <class T> JDNN_HD T bwd(T p, T t, T dy) const {
    const T d = p * (T(1) - p), eps = static_cast<T>(kEpsilon);
    return dy * (p - t) / (d > eps ? d : eps);
  }
};

// max(x, 0) - x t + log(1 + e^-|x|) never exponentiates a positive number. Any x and t (NaN gives NaN).
struct BceLogits {
  static constexpr bool kHasDomain = false;
  template <class T> JDNN_HD bool in_domain(T, T) const { return true; }
  template <class T> JDNN_HD T fwd(T x, T t) const {
    const T ax = x > T(0) ? x : -x;
    return (x > T(0) ? x : T(0)) - x * t + device_math::log1p(device_math::exp(-ax));
  }
  template <class T> JDNN_HD T bwd(T x, T t, T dy) const {
    const T s = x >= T(0) ? T(1) / (T(1) + device_math::exp(-x)) : device_math::exp(x) / (T(1) + device_math::exp(x));
    return dy * (s - t);
  }
};

// Calls f(Functor{}) with the functor of op (the facade has checked the code).
template <class F>
void with_point_loss(PointLoss op, F&& f) {
  switch (op) {
#define JDNN_POINT_LOSS_CASE(name, functor) \
  case PointLoss::name: f(functor{}); return;
    JDNN_POINT_LOSSES(JDNN_POINT_LOSS_CASE)
#undef JDNN_POINT_LOSS_CASE
  }
}

}  // namespace jdnn::kernels
