// Binary element-wise functors (BinaryOpCode order).
#pragma once
#include "kernels/common.h"

namespace jdnn::kernels {

struct Add { template <class T> JDNN_HD T operator()(T a, T b) const { return a + b; } };
struct Sub { template <class T> JDNN_HD T operator()(T a, T b) const { return a - b; } };
struct Mul { template <class T> JDNN_HD T operator()(T a, T b) const { return a * b; } };
struct Div { template <class T> JDNN_HD T operator()(T a, T b) const { return a / b; } };

template <class F>
bool with_binary_functor(int op, F&& f) {
  switch (op) {
    case 0: f(Add{}); return true;
    case 1: f(Sub{}); return true;
    case 2: f(Mul{}); return true;
    case 3: f(Div{}); return true;
  }
  return false;
}

}  // namespace jdnn::kernels
