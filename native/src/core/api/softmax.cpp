// Facade: softmax and log-softmax along the last dimension.
#include <cmath>

#include "core/api/checks.h"
#include "core/status.h"
#include "kernels/strided.h"

namespace jdnn {

int op_softmax(int64_t x, int64_t y, bool log) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    require_float("softmax", xs, "input");
    JDNN_CHECK(xs.ndim() >= 1, "softmax: input must have at least one dimension, got ", xs.describe());
    require_like_shaped("softmax", xs, ys);
    backend_of(xs).softmax(xs, ys, log);
  });
}

int op_softmax_backward(int64_t y, int64_t dy, int64_t dx, bool log) noexcept {
  return status_of([&] {
    const Tensor &ys = tensor_ref(y), &dys = tensor_ref(dy);
    Tensor& dxs = tensor_ref(dx);
    require_float("softmax_backward", ys, "output");
    JDNN_CHECK(ys.ndim() >= 1, "softmax_backward: needs at least one dimension, got ", ys.describe());
    require_like_shaped("softmax_backward", ys, dys);
    require_like_shaped("softmax_backward", ys, dxs);
    backend_of(ys).softmax_backward(ys, dys, dxs, log);
  });
}

int op_masked_softmax(int64_t x, int64_t mask, int64_t y, double scale, bool causal) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    const Tensor* ms = optional_ref(mask);
    Tensor& ys = tensor_ref(y);
    require_float("masked_softmax", xs, "input");
    JDNN_CHECK(xs.ndim() >= 1 && xs.ndim() <= kernels::kStridedMaxDims, "masked_softmax: input must have 1 to ",
               kernels::kStridedMaxDims, " dimensions, got ", xs.describe());
    JDNN_CHECK(!causal || xs.ndim() >= 2, "masked_softmax: causal masking needs (..., L, S) scores, got ",
               xs.describe());
    JDNN_CHECK(std::isfinite(scale), "masked_softmax: scale must be finite, got ", scale);
    require_like_shaped("masked_softmax", xs, ys);
    if (ms != nullptr) {
      require_like("masked_softmax", xs, *ms);
      require_broadcastable("masked_softmax", *ms, xs);
    }
    backend_of(xs).masked_softmax(xs, ms, ys, scale, causal);
  });
}

}  // namespace jdnn
