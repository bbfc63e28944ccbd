// The codes of jdnn.h's enums (expanded from jdnn/ops.def): their names, dtype sizes, and the
// checks that turn a code from Java into an enum value.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/error.h"
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

// Calls f(T{}) for the dtypes a comparison computes in: every dtype but the 16-bit floats, which
// the facade widens to float32 first (both backends' compare share this list).
template <class F>
void with_compare_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::FLOAT32: f(float{}); return;
    case DType::FLOAT64: f(double{}); return;
    case DType::INT32: f(int32_t{}); return;
    case DType::INT64: f(int64_t{}); return;
    case DType::UINT8: f(uint8_t{}); return;
    default: fail("compare: unsupported dtype ", dtype_name(dtype));
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
