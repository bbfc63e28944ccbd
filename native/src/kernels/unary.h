// Unary element-wise functors: fwd(x, alpha) and bwd(x, y, dy, alpha) = dy * dy/dx.
// Names and codes follow jdnn.h's UnaryOpCode; formulas follow PyTorch's definitions.
#pragma once
#include "kernels/common.h"

namespace jdnn::kernels {

struct Neg {
  template <class T> JDNN_HD T fwd(T x, T) const { return -x; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T) const { return -dy; }
};
struct Exp {
  template <class T> JDNN_HD T fwd(T x, T) const { return std::exp(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T) const { return dy * y; }
};
struct Log {
  template <class T> JDNN_HD T fwd(T x, T) const { return std::log(x); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T) const { return dy / x; }
};
struct Sqrt {
  template <class T> JDNN_HD T fwd(T x, T) const { return std::sqrt(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T) const { return dy * T(0.5) / y; }
};
struct Abs {
  template <class T> JDNN_HD T fwd(T x, T) const { return std::fabs(x); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T) const {
    return x > T(0) ? dy : (x < T(0) ? -dy : T(0));
  }
};
struct Square {
  template <class T> JDNN_HD T fwd(T x, T) const { return x * x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T) const { return dy * T(2) * x; }
};
struct Scale {
  template <class T> JDNN_HD T fwd(T x, T a) const { return a * x; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T a) const { return a * dy; }
};
struct AddScalar {
  template <class T> JDNN_HD T fwd(T x, T a) const { return x + a; }
  template <class T> JDNN_HD T bwd(T, T, T dy, T) const { return dy; }
};
// Two branches so exp never overflows: large |x| saturates to 0 or 1 exactly.
struct Sigmoid {
  template <class T> JDNN_HD T fwd(T x, T) const {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T) const { return dy * y * (T(1) - y); }
};
struct Tanh {
  template <class T> JDNN_HD T fwd(T x, T) const { return std::tanh(x); }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T) const { return dy * (T(1) - y * y); }
};
struct Relu {
  template <class T> JDNN_HD T fwd(T x, T) const { return x > T(0) ? x : T(0); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T) const { return x > T(0) ? dy : T(0); }
};
struct LeakyRelu {
  template <class T> JDNN_HD T fwd(T x, T a) const { return x > T(0) ? x : a * x; }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a) const { return x > T(0) ? dy : a * dy; }
};
// For x <= 0, d/dx alpha (e^x - 1) = alpha e^x = y + alpha.
struct Elu {
  template <class T> JDNN_HD T fwd(T x, T a) const { return x > T(0) ? x : a * (std::exp(x) - T(1)); }
  template <class T> JDNN_HD T bwd(T x, T y, T dy, T a) const { return x > T(0) ? dy : dy * (y + a); }
};
// PyTorch's Softplus(beta=1, threshold=20): linear above the threshold.
struct Softplus {
  template <class T> JDNN_HD T fwd(T x, T) const { return x > T(20) ? x : std::log1p(std::exp(x)); }
  template <class T> JDNN_HD T bwd(T x, T, T dy, T) const {
    return x > T(20) ? dy : dy * Sigmoid().fwd(x, T(0));
  }
};
// Heaviside step; the backend refuses its backward before reaching here.
struct Step {
  template <class T> JDNN_HD T fwd(T x, T) const { return x > T(0) ? T(1) : T(0); }
  template <class T> JDNN_HD T bwd(T, T, T, T) const { return T(0); }
};
struct Reciprocal {
  template <class T> JDNN_HD T fwd(T x, T) const { return T(1) / x; }
  template <class T> JDNN_HD T bwd(T, T y, T dy, T) const { return -dy * y * y; }
};
struct Pow {
  template <class T> JDNN_HD T fwd(T x, T a) const { return std::pow(x, a); }
  // Exponent 0 has derivative 0 everywhere, also at x = 0 where pow(x, -1) is infinite.
  template <class T> JDNN_HD T bwd(T x, T, T dy, T a) const {
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
