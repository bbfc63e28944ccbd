// Unary element-wise functors: fwd(x, a, b) and bwd(x, y, dy, a, b) = dy * dy/dx, where a and b are
// the op's scalars (jdnn.h's alpha and alpha2; most ops use one or none). Each is named by a row of
// jdnn/ops.def's JDNN_UNARY_OPS; formulas follow PyTorch's definitions, NaN handling included.
#pragma once
#include "jdnn/jdnn.h"
#include "kernels/common.h"

namespace jdnn::kernels {

// What every unary functor is unless it says otherwise: differentiable.
struct UnaryFunctor {
  static constexpr bool kDifferentiable = true;
};

struct Neg : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return -x; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T, T) const { return -dy; }
};
struct Exp : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return device_math::exp(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * y; }
};
struct Log : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return device_math::log(x); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const { return dy / x; }
};
struct Sqrt : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return std::sqrt(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * T(0.5) / y; }
};
struct Abs : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return std::fabs(x); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const {
    return x > T(0) ? dy : (x < T(0) ? -dy : T(0));
  }
};
struct Square : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return x * x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const { return dy * T(2) * x; }
};
// y = a x.
struct Scale : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return a * x; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T a, T) const { return a * dy; }
};
// y = x + a.
struct AddScalar : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x + a; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T, T) const { return dy; }
};
// Two branches so exp never overflows: large |x| saturates to 0 or 1 exactly.
struct Sigmoid : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const {
    if (x >= T(0)) return T(1) / (T(1) + device_math::exp(-x));
    const T e = device_math::exp(x);
    return e / (T(1) + e);
  }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * y * (T(1) - y); }
};
struct Tanh : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return device_math::tanh(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * (T(1) - y * y); }
};
// max(0, x) written as "x <= 0 gives 0" so that NaN, which compares false, passes through as in
// PyTorch; the gradient passes where the result is not <= 0 (PyTorch's threshold_backward), NaN included.
struct Relu : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return x <= T(0) ? T(0) : x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const { return x <= T(0) ? T(0) : dy; }
};
// a = negative slope.
struct LeakyRelu : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x > T(0) ? x : a * x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T) const { return x > T(0) ? dy : a * dy; }
};
// alpha (e^x - 1) through expm1, which keeps the relative precision near 0- that e^x - 1 cancels away.
// The derivative alpha e^x comes from x, not from y + alpha: that sum loses e^x's digits as x falls
// and is 0 below about -17 (float32) or -37 (float64), where alpha e^x is still exact.
struct Elu : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x <= T(0) ? a * device_math::expm1(x) : x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T) const { return x <= T(0) ? dy * a * device_math::exp(x) : dy; }
};
// PyTorch's Softplus(beta = a, threshold = b): log(1 + e^(beta x)) / beta, and x itself where
// beta x > threshold. log(1 + e^z) is taken as z + log1p(e^-z) for z > 0, so a large threshold
// cannot overflow e^z; the derivative sigmoid(beta x) never overflows either.
struct Softplus : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T beta, T threshold) const {
    const T z = x * beta;
    if (z > threshold) return x;
    return (z > T(0) ? z + device_math::log1p(device_math::exp(-z)) : device_math::log1p(device_math::exp(z))) / beta;
  }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T beta, T threshold) const {
    const T z = x * beta;
    return z > threshold ? dy : dy * Sigmoid().fwd(z, T(0), T(0));
  }
};
// Heaviside step as torch.heaviside(x, a): 1 where x > 0, a where x == 0 (-0 included), 0 where
// x < 0 and for NaN. No derivative: the facade refuses its backward before a backend sees it.
struct Heaviside : UnaryFunctor {
  static constexpr bool kDifferentiable = false;
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x == T(0) ? a : (x > T(0) ? T(1) : T(0)); }
  template <class T> JDNN_HD T bwd(T, T, T, T, T) const { return T(0); }
};
struct Reciprocal : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return T(1) / x; }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return -dy * y * y; }
};
// y = x^a.
struct Pow : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return std::pow(x, a); }
  // Exponent 0 has derivative 0 everywhere, also at x = 0 where pow(x, -1) is infinite.
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T) const {
    return a == T(0) ? T(0) : dy * a * std::pow(x, a - T(1));
  }
};

// SiLU (swish) as torch.nn.functional.silu: x sigmoid(x), from the two-branch sigmoid above, so
// x -> -inf gives -0 and NaN stays NaN (as does -inf, whose 0 * -inf PyTorch also returns as NaN).
// The derivative s (1 + x (1 - s)), s = sigmoid(x), is PyTorch's silu_backward.
struct Silu : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return x * Sigmoid().fwd(x, T(0), T(0)); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const {
    const T s = Sigmoid().fwd(x, T(0), T(0));
    return dy * s * (T(1) + x * (T(1) - s));
  }
};

// GELU as torch.nn.functional.gelu; a = 0 selects approximate="none", the exact x Phi(x) =
// x (1 + erf(x / sqrt 2)) / 2, with derivative Phi(x) + x phi(x); a = 1 selects approximate="tanh",
// x (1 + tanh(k (x + c x^3))) / 2 with k = sqrt(2 / pi), c = 0.044715, differentiated as written.
struct Gelu : UnaryFunctor {
  static constexpr double kSqrtHalf = 0.70710678118654752440;     // 1 / sqrt(2)
  static constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1 / sqrt(2 pi), phi(0)
  static constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)
  static constexpr double kCubic = 0.044715;
  template <class T> JDNN_HD T fwd(T x, T a, T) const {
    if (a == T(0)) return T(0.5) * x * (T(1) + device_math::erf(x * T(kSqrtHalf)));
    const T inner = T(kSqrt2OverPi) * (x + T(kCubic) * x * x * x);
    return T(0.5) * x * (T(1) + device_math::tanh(inner));
  }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T) const {
    if (a == T(0)) {
      const T cdf = T(0.5) * (T(1) + device_math::erf(x * T(kSqrtHalf)));
      const T pdf = T(kInvSqrt2Pi) * device_math::exp(T(-0.5) * x * x);
      return dy * (cdf + x * pdf);
    }
    const T x2 = x * x;
    const T t = device_math::tanh(T(kSqrt2OverPi) * (x + T(kCubic) * x2 * x));
    const T dinner = T(kSqrt2OverPi) * (T(1) + T(3 * kCubic) * x2);
    return dy * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner);
  }
};

// 1 / sqrt(x) as torch.rsqrt (sqrt is correctly rounded on every device, so both agree); the
// derivative -y^3 / 2 comes from the result, as PyTorch's rsqrt backward takes it.
struct Rsqrt : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return T(1) / std::sqrt(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return T(-0.5) * dy * y * y * y; }
};

// torch.clamp(x, min = a, max = b): max(x, a) then min with b, so a > b gives b everywhere (as
// PyTorch documents) and NaN passes through (both compares are false). The gradient passes where
// a <= x <= b (PyTorch's clamp_backward), bounds included; not for NaN. clampMin / clampMax pass an
// infinite other bound.
struct Clamp : UnaryFunctor {
  template <class T> JDNN_HD T fwd(T x, T a, T b) const {
    const T low = x < a ? a : x;
    return low > b ? b : low;
  }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T b) const { return x >= a && x <= b ? dy : T(0); }
};

// Calls f(Functor{}) with the functor of op (the facade has checked the code).
template <class F>
void with_unary_functor(UnaryOp op, F&& f) {
  switch (op) {
#define JDNN_UNARY_CASE(name, functor) \
  case UnaryOp::name: f(functor{}); return;
    JDNN_UNARY_OPS(JDNN_UNARY_CASE)
#undef JDNN_UNARY_CASE
  }
}

// Whether op has a derivative (its functor's kDifferentiable).
inline bool unary_differentiable(UnaryOp op) {
  bool differentiable = true;
  with_unary_functor(op, [&](auto f) { differentiable = decltype(f)::kDifferentiable; });
  return differentiable;
}

}  // namespace jdnn::kernels
