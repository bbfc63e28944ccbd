#include "core/tensor.h"

#include <sstream>

#include "core/allocator.h"

namespace jdnn {

Storage::Storage(Device dev, size_t n) : bytes(n), device(dev) {
  data = allocator_for(device).allocate(bytes);
}

Storage::~Storage() { allocator_for(device).deallocate(data, bytes); }

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

std::string Tensor::describe() const {
  return std::string(dtype_name(dtype)) + shape_string(shape) + " on " + device_name(device);
}

// A zero dimension makes the tensor empty whatever the others are (as the Java side counts); the
// shape's text is built only for a message.
int64_t shape_numel(const int64_t* shape, int ndim) {
  JDNN_CHECK(ndim >= 0 && ndim <= 16, "rank must be in [0, 16], got ", ndim);
  bool empty = false;
  for (int i = 0; i < ndim; ++i) {
    JDNN_CHECK(shape[i] >= 0, "dimension ", i, " of shape ", shape_string({shape, shape + ndim}), " is negative");
    empty |= shape[i] == 0;
  }
  if (empty) return 0;
  int64_t n = 1;
  for (int i = 0; i < ndim; ++i) {
    JDNN_CHECK(n <= INT64_MAX / shape[i], "shape ", shape_string({shape, shape + ndim}),
               " has more elements than int64 can count");
    n *= shape[i];
  }
  return n;
}

void require_float(const char* op, const Tensor& t, const char* what) {
  JDNN_CHECK(is_float(t.dtype), op, ": ", what, " must be float32 or float64, got ", t.describe());
}

void require_float_or_half(const char* op, const Tensor& t, const char* what) {
  JDNN_CHECK(is_float(t.dtype) || is_half(t.dtype), op, ": ", what,
             " must be float32, float64, float16 or bfloat16, got ", t.describe());
}

void require_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  JDNN_CHECK(a.dtype == b.dtype, op, ": dtypes differ: ", a.describe(), " vs ", b.describe());
}

void require_same_device(const char* op, const Tensor& a, const Tensor& b) {
  JDNN_CHECK(a.device == b.device, op, ": tensors on different devices: ", a.describe(), " vs ",
             b.describe());
}

void require_same_numel(const char* op, const Tensor& a, const Tensor& b) {
  JDNN_CHECK(a.numel == b.numel, op, ": element counts differ: ", a.describe(), " vs ",
             b.describe());
}

}  // namespace jdnn
