// Per-element losses l(x, t) and their derivative in x, PointLossCode order.
#pragma once
#include "kernels/common.h"

namespace jdnn::kernels {

// PyTorch's BCELoss: logs clamped at -100 so p = 0 or 1 gives a finite loss;
// the gradient divides by max(p (1 - p), 1e-12) for the same reason.
struct BceProb {
  template <class T> JDNN_HD T fwd(T p, T t) const {
    const T lp = std::log(p) > T(-100) ? std::log(p) : T(-100);
    const T lq = std::log(T(1) - p) > T(-100) ? std::log(T(1) - p) : T(-100);
    return -(t * lp + (T(1) - t) * lq);
  }
  template <class T> JDNN_HD T bwd(T p, T t, T dy) const {
    const T d = p * (T(1) - p);
    return dy * (p - t) / (d > T(1e-12) ? d : T(1e-12));
  }
};

// max(x, 0) - x t + log(1 + e^-|x|) never exponentiates a positive number.
struct BceLogits {
  template <class T> JDNN_HD T fwd(T x, T t) const {
    const T ax = x > T(0) ? x : -x;
    return (x > T(0) ? x : T(0)) - x * t + std::log1p(std::exp(-ax));
  }
  template <class T> JDNN_HD T bwd(T x, T t, T dy) const {
    const T s = x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
    return dy * (s - t);
  }
};

template <class F>
bool with_point_loss(int op, F&& f) {
  switch (op) {
    case 0: f(BceProb{}); return true;
    case 1: f(BceLogits{}); return true;
  }
  return false;
}

}  // namespace jdnn::kernels
