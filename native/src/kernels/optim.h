// Optimizer updates for one element, following torch.optim's update rules
// (the single-tensor, non-foreach code path of each optimizer).
//
// Optional state (a momentum buffer that momentum 0 never needs, AMSGrad's
// running maximum, centered RMSProp's gradient average) is passed by
// reference anyway; the backend points it at a scratch value when the
// optimizer keeps no such tensor, and the flags below keep it unread.
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common.h"

namespace jdnn::kernels {

// a + w (b - a) computed as torch.lerp does, so exponential averages round
// as torch.optim's (which update them with lerp_) do.
template <class T>
JDNN_HD T lerp(T a, T b, T w) {
  return (w < T(0.5) && w > T(-0.5)) ? a + w * (b - a) : b - (b - a) * (T(1) - w);
}

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

struct AdagradParams {
  double clr;  // lr / (1 + (step - 1) * lr_decay)
  double eps, weight_decay;
};

template <class T>
JDNN_HD void adagrad_update(T& p, T g, T& sum, const AdagradParams& a) {
  g += T(a.weight_decay) * p;
  sum += g * g;
  p -= T(a.clr) * g / (std::sqrt(sum) + T(a.eps));
}

struct RmspropParams {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered;
};

template <class T>
JDNN_HD void rmsprop_update(T& p, T g, T& square_avg, T& grad_avg, T& buf, const RmspropParams& r) {
  g += T(r.weight_decay) * p;
  square_avg = T(r.alpha) * square_avg + T(1 - r.alpha) * g * g;
  T avg;
  if (r.centered) {
    grad_avg = lerp(grad_avg, g, T(1 - r.alpha));
    avg = std::sqrt(square_avg - grad_avg * grad_avg) + T(r.eps);
  } else {
    avg = std::sqrt(square_avg) + T(r.eps);
  }
  if (r.momentum > 0) {
    buf = T(r.momentum) * buf + g / avg;
    p -= T(r.lr) * buf;
  } else {
    p -= T(r.lr) * g / avg;
  }
}

struct AdamParams {
  double lr, beta1, beta2, eps, weight_decay;
  double bias_correction1, bias_correction2_sqrt;  // 1 - beta1^t, sqrt(1 - beta2^t)
  bool amsgrad;
  bool decoupled;  // AdamW: decay the parameter itself, not the gradient
};

// The per-step constants of adam_update in the element type, computed once per
// call: converting doubles inside the element loop kept it scalar and ~10x slower.
template <class T>
struct AdamConstants {
  T one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay, step_size, bias_correction2_sqrt;
  JDNN_HD explicit AdamConstants(const AdamParams& a)
      : one_minus_beta1(T(1 - a.beta1)), beta2(T(a.beta2)), one_minus_beta2(T(1 - a.beta2)), eps(T(a.eps)),
        weight_decay(T(a.weight_decay)), decay(T(1 - a.lr * a.weight_decay)),
        step_size(T(a.lr / a.bias_correction1)), bias_correction2_sqrt(T(a.bias_correction2_sqrt)) {}
};

// AMSGRAD and DECOUPLED are template flags so the element loop has no branches on them.
template <bool AMSGRAD, bool DECOUPLED, class T>
JDNN_HD void adam_update(T& p, T g, T& m, T& v, T& v_max, const AdamConstants<T>& c) {
  if (DECOUPLED) {
    p *= c.decay;
  } else {
    g += c.weight_decay * p;
  }
  m = lerp(m, g, c.one_minus_beta1);
  v = c.beta2 * v + c.one_minus_beta2 * g * g;
  T second = v;
  if (AMSGRAD) {
    // NaN in v must win, as torch.maximum propagates it
    v_max = (v_max < v || v != v) ? v : v_max;
    second = v_max;
  }
  const T denom = std::sqrt(second) / c.bias_correction2_sqrt + c.eps;
  p -= c.step_size * m / denom;
}

// Per-step scalars in double precision, computed once per call on the host (std::pow) or, for
// steps counted on the device (loss scaling's guarded steps, core/tensor_group.h), by one device
// thread (ON_DEVICE: CUDA's pow, which may differ from the host's by an ulp or two; the emulation
// models that in its jitter mode).
template <bool ON_DEVICE = false>
JDNN_HD AdagradParams adagrad_params(double lr, double lr_decay, double eps, double wd, int64_t step) {
  return {lr / (1 + static_cast<double>(step - 1) * lr_decay), eps, wd};
}

template <bool ON_DEVICE = false>
JDNN_HD AdamParams adam_params(double lr, double b1, double b2, double eps, double wd, int64_t step, bool amsgrad,
                               bool decoupled) {
  const double t = static_cast<double>(step);
  const double p1 = ON_DEVICE ? device_math::pow(b1, t) : std::pow(b1, t);
  const double p2 = ON_DEVICE ? device_math::pow(b2, t) : std::pow(b2, t);
  return {lr, b1, b2, eps, wd, 1 - p1, std::sqrt(1 - p2), amsgrad, decoupled};
}

// Calls f(amsgrad, decoupled) with the two flags as std::bool_constant values, so each backend
// picks its adam_update<AMSGRAD, DECOUPLED> loop from run-time flags in one place.
template <class F>
void with_adam_variant(bool amsgrad, bool decoupled, F&& f) {
  if (amsgrad) {
    if (decoupled) f(std::true_type{}, std::true_type{});
    else f(std::true_type{}, std::false_type{});
  } else {
    if (decoupled) f(std::false_type{}, std::true_type{});
    else f(std::false_type{}, std::false_type{});
  }
}

// torch.nn.utils.clip_grad_norm_'s factor for a total norm: max_norm / (total + eps) clamped to at
// most 1, as torch's clamp(max=1.0) (a NaN total gives NaN, an infinite one 0).
JDNN_HD double clip_coef(double total, double max_norm, double eps) {
  const double c = max_norm / (total + eps);
  return (c < 1 || c != c) ? c : 1.0;
}

// A gradient element times the clipping factor, as the unary Scale op multiplies (a * x).
template <class T>
JDNN_HD T scale_by(T x, T factor) {
  return factor * x;
}

// torch.nn.utils.clip_grad_value_: clamp to [-limit, limit]; NaN stays NaN.
template <class T>
JDNN_HD T clip_value(T g, T limit) {
  return g < -limit ? -limit : (g > limit ? limit : g);
}

}  // namespace jdnn::kernels
