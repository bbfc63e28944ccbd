// Binary element-wise functors, named by jdnn/ops.def's JDNN_BINARY_OPS rows.
#pragma once
#include "jdnn/jdnn.h"
#include "kernels/common.h"

namespace jdnn::kernels {

struct Add { template <class T> JDNN_HD T operator()(T a, T b) const { return a + b; } };
struct Sub { template <class T> JDNN_HD T operator()(T a, T b) const { return a - b; } };
struct Mul { template <class T> JDNN_HD T operator()(T a, T b) const { return a * b; } };
struct Div { template <class T> JDNN_HD T operator()(T a, T b) const { return a / b; } };

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
