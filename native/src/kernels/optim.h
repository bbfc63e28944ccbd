// Optimizer updates for one element, following torch.optim's update rules.
#pragma once
#include "kernels/common.h"

namespace jdnn::kernels {

struct SgdParams {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first;
};

template <class T>
JDNN_HD void sgd_update(T& p, T g, T& buf, const SgdParams& s) {
  g += T(s.weight_decay) * p;
  if (s.momentum != 0) {
    buf = s.first ? g : T(s.momentum) * buf + T(1 - s.dampening) * g;
    g = s.nesterov ? g + T(s.momentum) * buf : buf;
  }
  p -= T(s.lr) * g;
}

struct AdamParams {
  double lr, beta1, beta2, eps, weight_decay;
  double bias_correction1, bias_correction2_sqrt;  // 1 - beta1^t, sqrt(1 - beta2^t)
};

template <class T>
JDNN_HD void adam_update(T& p, T g, T& m, T& v, const AdamParams& a) {
  g += T(a.weight_decay) * p;
  m = T(a.beta1) * m + T(1 - a.beta1) * g;
  v = T(a.beta2) * v + T(1 - a.beta2) * g * g;
  const T denom = std::sqrt(v) / T(a.bias_correction2_sqrt) + T(a.eps);
  p -= T(a.lr / a.bias_correction1) * m / denom;
}

}  // namespace jdnn::kernels
