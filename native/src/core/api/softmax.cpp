// Facade: softmax and log-softmax along the last dimension.
#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

int op_softmax(int64_t x, int64_t y, bool log) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    require_float("softmax", xs, "input");
    JDNN_CHECK(xs.ndim() >= 1, "softmax: input must have at least one dimension, got ", xs.describe());
    require_like("softmax", xs, ys);
    require_shape_equal("softmax", xs, ys);
    backend_of(xs).softmax(xs, ys, log);
  });
}

int op_softmax_backward(int64_t y, int64_t dy, int64_t dx, bool log) noexcept {
  return status_of([&] {
    const Tensor &ys = tensor_ref(y), &dys = tensor_ref(dy);
    Tensor& dxs = tensor_ref(dx);
    require_float("softmax_backward", ys, "output");
    JDNN_CHECK(ys.ndim() >= 1, "softmax_backward: needs at least one dimension, got ", ys.describe());
    require_shape_equal("softmax_backward", ys, dys);
    require_shape_equal("softmax_backward", ys, dxs);
    require_same_dtype("softmax_backward", ys, dys);
    require_same_dtype("softmax_backward", ys, dxs);
    require_same_device("softmax_backward", ys, dys);
    require_same_device("softmax_backward", ys, dxs);
    backend_of(ys).softmax_backward(ys, dys, dxs, log);
  });
}

}  // namespace jdnn
