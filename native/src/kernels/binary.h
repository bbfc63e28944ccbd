// Binary element-wise functors, named by jdnn/ops.def's JDNN_BINARY_OPS rows.
#pragma once
#include "jdnn/jdnn.h"
#include "kernels/common.h"

namespace jdnn::kernels {

struct Add { template <class T> JDNN_HD T operator()(T a, T b) const { return a + b; } };
struct Sub { template <class T> JDNN_HD T operator()(T a, T b) const { return a - b; } };
struct Mul { template <class T> JDNN_HD T operator()(T a, T b) const { return a * b; } };
struct Div { template <class T> JDNN_HD T operator()(T a, T b) const { return a / b; } };
// a^b as torch.pow(Tensor, Tensor) (C's pow: 0^0 = 1, a negative base with a non-integer exponent NaN).
struct PowTensor { template <class T> JDNN_HD T operator()(T a, T b) const { return std::pow(a, b); } };
// d(a^b)/da = b a^(b-1), and 0 where b == 0 (also at a = 0, where a^(b-1) is infinite), as PyTorch's
// pow_backward_self.
struct PowBaseGrad {
  template <class T> JDNN_HD T operator()(T a, T b) const { return b == T(0) ? T(0) : b * std::pow(a, b - T(1)); }
};
// d(a^b)/db = a^b log(a), and 0 where a == 0 and b >= 0 (0 * -inf there), as PyTorch's
// pow_backward_exponent.
struct PowExponentGrad {
  template <class T> JDNN_HD T operator()(T a, T b) const {
    return a == T(0) && b >= T(0) ? T(0) : std::pow(a, b) * device_math::log(a);
  }
};

// Calls f(Functor{}) with the functor of op (the facade has checked the code).
template <class F>
void with_binary_functor(BinaryOp op, F&& f) {
  switch (op) {
#define JDNN_BINARY_CASE(name, functor) \
  case BinaryOp::name: f(functor{}); return;
    JDNN_BINARY_OPS(JDNN_BINARY_CASE)
#undef JDNN_BINARY_CASE
  }
}

}  // namespace jdnn::kernels
