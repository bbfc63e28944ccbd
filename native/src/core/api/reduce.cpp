// Facade: sum to a broadcast shape, argmax; float16/bfloat16 widened to float32 (widen.h), so sums
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

}  // namespace jdnn
