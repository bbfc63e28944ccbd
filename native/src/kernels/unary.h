// Unary element-wise functors: fwd(x, a, b) and bwd(x, y, dy, a, b) = dy * dy/dx, where a and b are
// the op's scalars (jdnn.h's alpha and alpha2; most ops use one or none). Names and codes follow
// jdnn.h's UnaryOpCode; formulas follow PyTorch's definitions, NaN handling included.
#pragma once
#include "kernels/common.h"

namespace jdnn::kernels {

struct Neg {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return -x; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T, T) const { return -dy; }
};
struct Exp {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return std::exp(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * y; }
};
struct Log {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return std::log(x); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const { return dy / x; }
};
struct Sqrt {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return std::sqrt(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * T(0.5) / y; }
};
struct Abs {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return std::fabs(x); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const {
    return x > T(0) ? dy : (x < T(0) ? -dy : T(0));
  }
};
struct Square {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return x * x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const { return dy * T(2) * x; }
};
struct Scale {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return a * x; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T a, T) const { return a * dy; }
};
struct AddScalar {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x + a; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T, T) const { return dy; }
};
// Two branches so exp never overflows: large |x| saturates to 0 or 1 exactly.
struct Sigmoid {
  template <class T> JDNN_HD T fwd(T x, T, T) const {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * y * (T(1) - y); }
};
struct Tanh {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return std::tanh(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return dy * (T(1) - y * y); }
};
// max(0, x) written as "x <= 0 gives 0" so that NaN, which compares false, passes through as in
// PyTorch; the gradient passes where the result is not <= 0 (PyTorch's threshold_backward), NaN included.
struct Relu {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return x <= T(0) ? T(0) : x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T, T) const { return x <= T(0) ? T(0) : dy; }
};
struct LeakyRelu {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x > T(0) ? x : a * x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T) const { return x > T(0) ? dy : a * dy; }
};
// alpha (e^x - 1) through expm1, which keeps the relative precision near 0- that e^x - 1 cancels away.
// The derivative alpha e^x comes from x, not from y + alpha: that sum loses e^x's digits as x falls
// and is 0 below about -17 (float32) or -37 (float64), where alpha e^x is still exact.
struct Elu {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x <= T(0) ? a * std::expm1(x) : x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T) const { return x <= T(0) ? dy * a * std::exp(x) : dy; }
};
// PyTorch's Softplus(beta = a, threshold = b): log(1 + e^(beta x)) / beta, and x itself where
// beta x > threshold. log(1 + e^z) is taken as z + log1p(e^-z) for z > 0, so a large threshold
// cannot overflow e^z; the derivative sigmoid(beta x) never overflows either.
struct Softplus {
  template <class T> JDNN_HD T fwd(T x, T beta, T threshold) const {
    const T z = x * beta;
    if (z > threshold) return x;
    return (z > T(0) ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) / beta;
  }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T beta, T threshold) const {
    const T z = x * beta;
    return z > threshold ? dy : dy * Sigmoid().fwd(z, T(0), T(0));
  }
};
// Heaviside step as torch.heaviside(x, a): 1 where x > 0, a where x == 0 (-0 included), 0 where
// x < 0 and for NaN. The backend refuses its backward before reaching here.
struct Step {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return x == T(0) ? a : (x > T(0) ? T(1) : T(0)); }
  template <class T> JDNN_HD T bwd(T, T, T, T, T) const { return T(0); }
};
struct Reciprocal {
  template <class T> JDNN_HD T fwd(T x, T, T) const { return T(1) / x; }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T, T) const { return -dy * y * y; }
};
struct Pow {
  template <class T> JDNN_HD T fwd(T x, T a, T) const { return std::pow(x, a); }
  // Exponent 0 has derivative 0 everywhere, also at x = 0 where pow(x, -1) is infinite.
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a, T) const {
    return a == T(0) ? T(0) : dy * a * std::pow(x, a - T(1));
  }
};

// Calls f.template operator()<Functor>() for the functor of `op`; returns false if unknown.
template <class F>
bool with_unary_functor(int op, F&& f) {
  switch (op) {
    case 0: f(Neg{}); return true;
    case 1: f(Exp{}); return true;
    case 2: f(Log{}); return true;
    case 3: f(Sqrt{}); return true;
    case 4: f(Abs{}); return true;
    case 5: f(Square{}); return true;
    case 6: f(Scale{}); return true;
    case 7: f(AddScalar{}); return true;
    case 8: f(Sigmoid{}); return true;
    case 9: f(Tanh{}); return true;
    case 10: f(Relu{}); return true;
    case 11: f(LeakyRelu{}); return true;
    case 12: f(Elu{}); return true;
    case 13: f(Softplus{}); return true;
    case 14: f(Step{}); return true;
    case 15: f(Reciprocal{}); return true;
    case 16: f(Pow{}); return true;
  }
  return false;
}

}  // namespace jdnn::kernels
