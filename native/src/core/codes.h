// The codes of jdnn.h's enums (expanded from jdnn/ops.def): their names, dtype sizes, and the
// checks that turn a code from Java into an enum value.
#pragma once
#include <cstddef>
#include <cstdint>

#include "jdnn/jdnn.h"
#include "kernels/half.h"

namespace jdnn {

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);
const char* device_name(Device device);
bool is_float(DType dtype);
// float16 or bfloat16: storage types that the element-wise ops and reductions widen to float32.
bool is_half(DType dtype);
// The functor's name (ops.def's second column), for messages: "Heaviside".
const char* unary_op_name(UnaryOp op);

constexpr int kDeviceCount = 0
#define JDNN_COUNT_ROW(...) +1
    JDNN_DEVICES(JDNN_COUNT_ROW);
#undef JDNN_COUNT_ROW

// Calls f(T{}) with T the C++ type of dtype (ops.def's second column).
template <class F>
void with_dtype(DType dtype, F&& f) {
  switch (dtype) {
#define JDNN_DTYPE_CASE(name, type, label) \
  case DType::name: f(type{}); return;
    JDNN_DTYPES(JDNN_DTYPE_CASE)
#undef JDNN_DTYPE_CASE
  }
}

// An enum value from a code Java passed; fails with an argument error naming `what` for a code
// outside the table.
DType dtype_of(int code);
Device device_of(int code);
UnaryOp unary_op_of(int code);
BinaryOp binary_op_of(int code);
CompareOp compare_op_of(int code);
PointLoss point_loss_of(int code);

}  // namespace jdnn
