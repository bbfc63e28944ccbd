// Facade: fused softmax cross-entropy and the per-element losses.
#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {
void check_cross_entropy(const char* op, const Tensor& logits, const Tensor& labels, const Tensor* scalar,
                         const Tensor& matrix) {
  require_float(op, logits, "logits");
  JDNN_CHECK(logits.ndim() == 2 && logits.dim(1) > 0, op, ": logits must be [N, C] with C > 0, got ",
             logits.describe());
  require_index_dtype(op, labels, "labels");
  JDNN_CHECK(labels.numel == logits.dim(0), op, ": ", labels.numel, " labels for ", logits.dim(0), " rows");
  require_shape_equal(op, logits, matrix);
  require_same_dtype(op, logits, matrix);
  require_same_device(op, logits, labels);
  require_same_device(op, logits, matrix);
  if (scalar == nullptr) return;  // the backward's dloss of 1, given as no tensor
  JDNN_CHECK(scalar->numel == 1, op, ": loss must have one element, got ", scalar->describe());
  require_same_dtype(op, logits, *scalar);
  require_same_device(op, logits, *scalar);
}
}  // namespace

int op_cross_entropy(int64_t logits, int64_t labels, int64_t loss, int64_t probs) noexcept {
  return status_of([&] {
    const Tensor &x = tensor_ref(logits), &l = tensor_ref(labels);
    Tensor &out = tensor_ref(loss), &p = tensor_ref(probs);
    check_cross_entropy("cross_entropy", x, l, &out, p);
    backend_of(x).cross_entropy(x, l, out, p);
  });
}

int op_cross_entropy_backward(int64_t probs, int64_t labels, int64_t dloss, int64_t dlogits) noexcept {
  return status_of([&] {
    const Tensor &p = tensor_ref(probs), &l = tensor_ref(labels);
    const Tensor* d = dloss == 0 ? nullptr : &tensor_ref(dloss);
    Tensor& dx = tensor_ref(dlogits);
    check_cross_entropy("cross_entropy_backward", p, l, d, dx);
    backend_of(p).cross_entropy_backward(p, l, d, dx);
  });
}

int64_t op_point_loss(int op, int64_t x, int64_t t, int64_t out) noexcept {
  return value_or<int64_t>(-2, [&] {
    const Tensor &xs = tensor_ref(x), &ts = tensor_ref(t);
    Tensor& os = tensor_ref(out);
    require_float("point_loss", xs, "input");
    for (const Tensor* u : {&ts, static_cast<const Tensor*>(&os)}) {
      require_like_sized("point_loss", xs, *u);
    }
    return backend_of(xs).point_loss(point_loss_of(op), xs, ts, os);
  });
}

int op_point_loss_backward(int op, int64_t x, int64_t t, int64_t dy, int64_t dx) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ts = tensor_ref(t), &dys = tensor_ref(dy);
    Tensor& dxs = tensor_ref(dx);
    require_float("point_loss_backward", xs, "input");
    for (const Tensor* u : {&ts, &dys, static_cast<const Tensor*>(&dxs)}) {
      require_like_sized("point_loss_backward", xs, *u);
    }
    backend_of(xs).point_loss_backward(point_loss_of(op), xs, ts, dys, dxs);
  });
}

}  // namespace jdnn
