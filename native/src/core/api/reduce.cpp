// Facade: sum to a broadcast shape, argmax, max/min along a dimension; float16/bfloat16 widened to float32 (widen.h), so sums
// accumulate in float32 and round once.
#include "core/api/checks.h"
#include "core/api/widen.h"
#include "core/status.h"

namespace jdnn {

int op_sum_to(int64_t x, int64_t y) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    require_float_or_half("sum_to", xs, "input");
    require_like("sum_to", xs, ys);
    require_broadcastable("sum_to", ys, xs);
    Tensor wy = wide_output(ys);
    backend_of(xs).sum_to(widened(xs), wy);
    narrow_back(wy, ys);
  });
}

int op_argmax_last(int64_t x, int64_t out) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& os = tensor_ref(out);
    require_float_or_half("argmax", xs, "input");
    JDNN_CHECK(xs.ndim() >= 1 && xs.dim(-1) > 0, "argmax: input needs a non-empty last dimension, got ",
               xs.describe());
    JDNN_CHECK(os.dtype == DType::INT64 && os.numel == xs.numel / xs.dim(-1), "argmax: output ", os.describe(),
               " must be int64 with ", xs.numel / xs.dim(-1), " elements");
    require_same_device("argmax", xs, os);
    backend_of(xs).argmax_last(widened(xs), os);
  });
}

int op_max_dim(int64_t x, int64_t values, int64_t indices, int dim, bool min) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor* vs = optional_ref(values);
    Tensor& is = tensor_ref(indices);
    require_float_or_half("max_dim", xs, "input");
    JDNN_CHECK(dim >= 0 && dim < xs.ndim(), "max_dim: dimension ", dim, " out of range for ", xs.describe());
    JDNN_CHECK(xs.shape[dim] > 0, "max_dim: dimension ", dim, " of ", xs.describe(), " is empty");
    const int64_t outputs = xs.numel / xs.shape[dim];
    JDNN_CHECK(is.dtype == DType::INT64 && is.numel == outputs, "max_dim: indices ", is.describe(),
               " must be int64 with ", outputs, " elements");
    require_same_device("max_dim", xs, is);
    if (vs == nullptr) {
      backend_of(xs).max_dim(widened(xs), nullptr, is, dim, min);
      return;
    }
    require_like("max_dim", xs, *vs);
    JDNN_CHECK(vs->numel == outputs, "max_dim: values ", vs->describe(), " must have ", outputs, " elements");
    Tensor wv = wide_output(*vs);  // exact: a 16-bit value widened and narrowed back is itself
    backend_of(xs).max_dim(widened(xs), &wv, is, dim, min);
    narrow_back(wv, *vs);
  });
}

int op_max_dim_backward(int64_t dy, int64_t indices, int64_t dx, int dim) noexcept {
  return status_of([&] {
    const Tensor &dys = tensor_ref(dy), &is = tensor_ref(indices);
    Tensor& dxs = tensor_ref(dx);
    require_float_or_half("max_dim_backward", dxs, "gradient");
    require_like("max_dim_backward", dxs, dys);
    require_same_device("max_dim_backward", dxs, is);
    JDNN_CHECK(dim >= 0 && dim < dxs.ndim() && dxs.shape[dim] > 0, "max_dim_backward: dimension ", dim,
               " out of range or empty for ", dxs.describe());
    const int64_t outputs = dxs.numel / dxs.shape[dim];
    JDNN_CHECK(is.dtype == DType::INT64 && is.numel == outputs && dys.numel == outputs, "max_dim_backward: indices ",
               is.describe(), " and gradient ", dys.describe(), " must have ", outputs, " elements, indices int64");
    Tensor wdx = wide_output(dxs);
    backend_of(dxs).max_dim_backward(widened(dys), is, wdx, dim);
    narrow_back(wdx, dxs);
  });
}

}  // namespace jdnn
