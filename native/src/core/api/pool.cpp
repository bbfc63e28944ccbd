// Facade: max and average pooling.
#include <climits>
#include <vector>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {

std::vector<int64_t> check_pool2d(const char* op, const Tensor& x, const Pool2dGeom& g) {
  require_float(op, x, "input");
  require_rank4(op, x, "input");
  JDNN_CHECK(x.dim(2) >= 1 && x.dim(3) >= 1, op, ": input planes must not be empty, got ", x.describe());
  JDNN_CHECK(g.kh >= 1 && g.kw >= 1, op, ": kernel must be >= 1, got ", g.kh, "x", g.kw);
  JDNN_CHECK(g.stride_h >= 1 && g.stride_w >= 1, op, ": strides must be >= 1, got ", g.stride_h, "x", g.stride_w);
  JDNN_CHECK(g.pad_h >= 0 && g.pad_w >= 0 && g.pad_h <= g.kh / 2 && g.pad_w <= g.kw / 2, op, ": padding ",
             g.pad_h, "x", g.pad_w, " must be >= 0 and at most half the kernel ", g.kh, "x", g.kw);
  const int64_t oh = window_output(x.dim(2), g.pad_h, g.pad_h, g.kh, 1, g.stride_h);
  const int64_t ow = window_output(x.dim(3), g.pad_w, g.pad_w, g.kw, 1, g.stride_w);
  JDNN_CHECK(oh >= 1 && ow >= 1, op, ": kernel ", g.kh, "x", g.kw, " larger than the padded input ",
             x.describe(), " padded to ", x.dim(2) + 2 * g.pad_h, "x", x.dim(3) + 2 * g.pad_w);
  return {x.dim(0), x.dim(1), oh, ow};
}

}  // namespace

int op_max_pool2d(int64_t x, int64_t y, int64_t indices, int kh, int kw, int sh, int sw, int ph, int pw) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor &ys = tensor_ref(y), &is = tensor_ref(indices);
    const Pool2dGeom g{kh, kw, sh, sw, ph, pw};
    const auto out = check_pool2d("max_pool2d", xs, g);
    require_like("max_pool2d", xs, ys);
    require_dims("max_pool2d", ys, "output", out);
    require_index_dtype("max_pool2d", is, "indices");
    JDNN_CHECK(is.dtype == DType::INT64 || xs.dim(2) * xs.dim(3) <= INT32_MAX, "max_pool2d: planes of ",
               xs.dim(2) * xs.dim(3), " elements need int64 indices");
    require_same_device("max_pool2d", xs, is);
    require_dims("max_pool2d", is, "indices", out);
    backend_of(xs).max_pool2d(xs, ys, is, g);
  });
}

int op_max_pool2d_backward(int64_t dy, int64_t indices, int64_t dx) noexcept {
  return status_of([&] {
    const Tensor &dys = tensor_ref(dy), &is = tensor_ref(indices);
    Tensor& dxs = tensor_ref(dx);
    require_float("max_pool2d_backward", dys, "output gradient");
    require_rank4("max_pool2d_backward", dys, "output gradient");
    require_rank4("max_pool2d_backward", dxs, "input gradient");
    require_like("max_pool2d_backward", dys, dxs);
    require_index_dtype("max_pool2d_backward", is, "indices");
    require_same_device("max_pool2d_backward", dys, is);
    require_dims("max_pool2d_backward", is, "indices", dys.shape);
    JDNN_CHECK(dxs.dim(0) == dys.dim(0) && dxs.dim(1) == dys.dim(1), "max_pool2d_backward: input gradient ",
               dxs.describe(), " and output gradient ", dys.describe(), " differ in N or C");
    backend_of(dys).max_pool2d_backward(dys, is, dxs);
  });
}

int op_avg_pool2d(int64_t x, int64_t y, int kh, int kw, int sh, int sw, int ph, int pw, bool include_pad) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    const Pool2dGeom g{kh, kw, sh, sw, ph, pw};
    const auto out = check_pool2d("avg_pool2d", xs, g);
    require_like("avg_pool2d", xs, ys);
    require_dims("avg_pool2d", ys, "output", out);
    backend_of(xs).avg_pool2d(xs, ys, g, include_pad);
  });
}

int op_avg_pool2d_backward(int64_t dy, int64_t dx, int kh, int kw, int sh, int sw, int ph, int pw,
                            bool include_pad) noexcept {
  return status_of([&] {
    const Tensor& dys = tensor_ref(dy);
    Tensor& dxs = tensor_ref(dx);
    const Pool2dGeom g{kh, kw, sh, sw, ph, pw};
    const auto out = check_pool2d("avg_pool2d_backward", dxs, g);
    require_like("avg_pool2d_backward", dxs, dys);
    require_dims("avg_pool2d_backward", dys, "output gradient", out);
    backend_of(dxs).avg_pool2d_backward(dys, dxs, g, include_pad);
  });
}

}  // namespace jdnn
