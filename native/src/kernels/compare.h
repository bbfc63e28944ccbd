// Comparison and logical functors, named by jdnn/ops.def's JDNN_COMPARE_OPS rows: each maps two
// operands of one type to a uint8 0 or 1 (jdnn's boolean). Comparisons are IEEE's, so NaN compares
// unequal to everything, itself included (ne gives 1, the others 0), as in PyTorch; the logical
// ops read "nonzero" as true, NaN included, as torch.logical_and / logical_or do.
#pragma once
#include <cstdint>

#include "jdnn/jdnn.h"
#include "kernels/common.h"

namespace jdnn::kernels {

struct Eq { template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a == b; } };
struct Ne { template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a != b; } };
struct Lt { template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a < b; } };
struct Le { template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a <= b; } };
struct Gt { template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a > b; } };
struct Ge { template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a >= b; } };
struct LogicalAnd {
  template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a != T(0) && b != T(0); }
};
struct LogicalOr {
  template <class T> JDNN_HD uint8_t operator()(T a, T b) const { return a != T(0) || b != T(0); }
};

// Calls f(Functor{}) with the functor of op (the facade has checked the code).
template <class F>
void with_compare_functor(CompareOp op, F&& f) {
  switch (op) {
#define JDNN_COMPARE_CASE(name, functor) \
  case CompareOp::name: f(functor{}); return;
    JDNN_COMPARE_OPS(JDNN_COMPARE_CASE)
#undef JDNN_COMPARE_CASE
  }
}

}  // namespace jdnn::kernels
