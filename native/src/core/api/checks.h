// What every facade file (core/api/<stem>.cpp) shares: the handle lookups and the checks that
// keep a backend memory-safe. User-facing validation, with messages that say how to fix a call,
// is done once in Java; these checks only stop a wrong call before it reaches memory.
#pragma once
#include <cstdint>
#include <vector>

#include "core/backend.h"
#include "core/handles.h"
#include "core/tensor.h"
#include "jdnn/jdnn.h"

namespace jdnn {

inline Backend& backend_of(const Tensor& t) { return backend_for(t.device); }

// The tensor of an optional handle: null for handle 0.
inline Tensor* optional_ref(int64_t h) { return h == 0 ? nullptr : &tensor_ref(h); }

inline void require_shape_equal(const char* op, const Tensor& a, const Tensor& b) {
  JDNN_CHECK(a.shape == b.shape, op, ": shapes differ: ", a.describe(), " vs ", b.describe());
}

// t has ref's dtype and device.
inline void require_like(const char* op, const Tensor& ref, const Tensor& t) {
  require_same_dtype(op, ref, t);
  require_same_device(op, ref, t);
}

// t has ref's dtype, device and element count.
inline void require_like_sized(const char* op, const Tensor& ref, const Tensor& t) {
  require_like(op, ref, t);
  require_same_numel(op, ref, t);
}

inline void require_range(const char* op, const Tensor& t, int64_t offset, int64_t n) {
  JDNN_CHECK(offset >= 0 && n >= 0 && offset <= t.numel && n <= t.numel - offset, op, ": range [", offset, ", ",
             offset, " + ", n, ") is outside ", t.describe());
}

// a broadcasts to out (NumPy rules, right-aligned).
inline void require_broadcastable(const char* op, const Tensor& a, const Tensor& out) {
  JDNN_CHECK(a.ndim() <= out.ndim(), op, ": ", a.describe(), " has more dimensions than output ", out.describe());
  for (int i = a.ndim() - 1, o = out.ndim() - 1; i >= 0; --i, --o)
    JDNN_CHECK(a.shape[i] == 1 || a.shape[i] == out.shape[o], op, ": ", a.describe(), " does not broadcast to ",
               out.describe());
}

inline void require_index_dtype(const char* op, const Tensor& t, const char* what) {
  JDNN_CHECK(t.dtype == DType::INT32 || t.dtype == DType::INT64, op, ": ", what, " must be int32 or int64, got ",
             t.describe());
}

inline void require_rank4(const char* op, const Tensor& t, const char* what) {
  JDNN_CHECK(t.ndim() == 4, op, ": ", what, " must be 4-D (N, C, H, W), got ", t.describe());
}

inline void require_dims(const char* op, const Tensor& t, const char* what, const std::vector<int64_t>& dims) {
  JDNN_CHECK(t.shape == dims, op, ": ", what, " ", t.describe(), " must have shape ", shape_string(dims));
}

// t, when given (an optional tensor may be null), has ref's dtype and device and the shape dims.
inline void require_like_dims(const char* op, const Tensor& ref, const Tensor* t, const char* what,
                              const std::vector<int64_t>& dims) {
  if (t == nullptr) return;
  require_like(op, ref, *t);
  require_dims(op, *t, what, dims);
}

// Output length of a convolution / pooling window along one dimension, or < 1 when the
// (dilated) kernel does not fit in the padded input.
inline int64_t window_output(int64_t in, int64_t pad_lo, int64_t pad_hi, int64_t kernel, int64_t dilation,
                             int64_t stride) {
  const int64_t padded = in + pad_lo + pad_hi;
  if (padded < 1 || kernel - 1 > (padded - 1) / dilation) return 0;  // no overflow for huge dilations
  return (padded - dilation * (kernel - 1) - 1) / stride + 1;
}

}  // namespace jdnn
