// dtype dispatch shared by the op families: calls f with a value of the
// element type (float{} or double{}), from which the lambda takes its T.
#pragma once
#include "core/error.h"
#include "core/tensor.h"
#include "jdnn/jdnn.h"

namespace jdnn::cuda {

template <class F>
void with_float(DType dtype, const char* op, F&& f) {
  if (dtype == DType::FLOAT32) f(float{});
  else if (dtype == DType::FLOAT64) f(double{});
  else fail(op, ": expected a float32 or float64 tensor, got ", dtype_name(dtype));
}

}  // namespace jdnn::cuda
