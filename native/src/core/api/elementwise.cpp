// Facade: unary and binary element-wise ops and comparisons; float16/bfloat16 widened to float32
// (widen.h).
#include "core/api/checks.h"
#include "core/api/widen.h"
#include "core/status.h"
#include "kernels/unary.h"

namespace jdnn {

int op_unary(int op, int64_t x, int64_t y, double alpha, double alpha2) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    require_float_or_half("unary", xs, "input");
    require_like_sized("unary", xs, ys);
    const UnaryOp f = unary_op_of(op);
    if (xs.device == Device::CPU) {  // the CPU computes 16-bit types in float32 itself, with no copies
      backend_of(xs).unary(f, xs, ys, alpha, alpha2);
      return;
    }
    Tensor wy = wide_output(ys);
    backend_of(xs).unary(f, widened(xs), wy, alpha, alpha2);
    narrow_back(wy, ys);
  });
}

int op_unary_backward(int op, int64_t x, int64_t y, int64_t dy, int64_t dx, double alpha, double alpha2) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ys = tensor_ref(y), &dys = tensor_ref(dy);
    Tensor& dxs = tensor_ref(dx);
    const UnaryOp f = unary_op_of(op);
    JDNN_CHECK(kernels::unary_differentiable(f), "unary_backward: ", unary_op_name(f),
               " has no derivative: it cannot be backpropagated");
    require_float_or_half("unary_backward", xs, "input");
    for (const Tensor* t : {&ys, &dys, static_cast<const Tensor*>(&dxs)}) {
      require_like_sized("unary_backward", xs, *t);
    }
    if (xs.device == Device::CPU) {
      backend_of(xs).unary_backward(f, xs, ys, dys, dxs, alpha, alpha2);
      return;
    }
    Tensor wdx = wide_output(dxs);
    backend_of(xs).unary_backward(f, widened(xs), widened(ys), widened(dys), wdx, alpha, alpha2);
    narrow_back(wdx, dxs);
  });
}

int op_binary(int op, int64_t a, int64_t b, int64_t out) noexcept {
  return status_of([&] {
    const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
    Tensor& os = tensor_ref(out);
    require_float_or_half("binary", os, "output");
    require_like("binary", as, os);
    require_like("binary", bs, os);
    require_broadcastable("binary", as, os);
    require_broadcastable("binary", bs, os);
    const BinaryOp f = binary_op_of(op);
    Tensor wo = wide_output(os);
    backend_of(os).binary(f, widened(as), widened(bs), wo);
    narrow_back(wo, os);
  });
}

int op_compare(int op, int64_t a, int64_t b, int64_t out) noexcept {
  return status_of([&] {
    const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
    Tensor& os = tensor_ref(out);
    require_same_dtype("compare", as, bs);
    require_same_device("compare", as, bs);
    require_same_device("compare", as, os);
    JDNN_CHECK(os.dtype == DType::UINT8, "compare: output must be uint8, got ", os.describe());
    require_broadcastable("compare", as, os);
    require_broadcastable("compare", bs, os);
    // widening is exact, so 16-bit operands compare in float32 as they are
    backend_of(os).compare(compare_op_of(op), widened(as), widened(bs), os);
  });
}

}  // namespace jdnn
