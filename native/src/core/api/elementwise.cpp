// Facade: unary and binary element-wise ops.
#include "core/api/checks.h"
#include "core/status.h"
#include "kernels/unary.h"

namespace jdnn {

int op_unary(int op, int64_t x, int64_t y, double alpha, double alpha2) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    require_float("unary", xs, "input");
    require_like_sized("unary", xs, ys);
    backend_of(xs).unary(unary_op_of(op), xs, ys, alpha, alpha2);
  });
}

int op_unary_backward(int op, int64_t x, int64_t y, int64_t dy, int64_t dx, double alpha, double alpha2) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ys = tensor_ref(y), &dys = tensor_ref(dy);
    Tensor& dxs = tensor_ref(dx);
    const UnaryOp f = unary_op_of(op);
    JDNN_CHECK(kernels::unary_differentiable(f), "unary_backward: ", unary_op_name(f),
               " has no derivative: it cannot be backpropagated");
    require_float("unary_backward", xs, "input");
    for (const Tensor* t : {&ys, &dys, static_cast<const Tensor*>(&dxs)}) {
      require_like_sized("unary_backward", xs, *t);
    }
    backend_of(xs).unary_backward(f, xs, ys, dys, dxs, alpha, alpha2);
  });
}

int op_binary(int op, int64_t a, int64_t b, int64_t out) noexcept {
  return status_of([&] {
    const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
    Tensor& os = tensor_ref(out);
    require_float("binary", os, "output");
    require_same_dtype("binary", as, os);
    require_same_dtype("binary", bs, os);
    require_same_device("binary", as, os);
    require_same_device("binary", bs, os);
    require_broadcastable("binary", as, os);
    require_broadcastable("binary", bs, os);
    backend_of(os).binary(binary_op_of(op), as, bs, os);
  });
}

}  // namespace jdnn
