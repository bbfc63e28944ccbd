// Facade: 2-D convolution.
#include <vector>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {

// Checks x, w and the geometry; returns the expected output shape (N, Cout, OH, OW).
std::vector<int64_t> check_conv2d(const char* op, const Tensor& x, const Tensor& w, const Conv2dGeom& g) {
  require_float(op, x, "input");
  require_rank4(op, x, "input");
  require_rank4(op, w, "weight");
  require_like(op, x, w);
  JDNN_CHECK(g.stride_h >= 1 && g.stride_w >= 1, op, ": strides must be >= 1, got ", g.stride_h, "x", g.stride_w);
  JDNN_CHECK(g.dilation_h >= 1 && g.dilation_w >= 1, op, ": dilations must be >= 1, got ", g.dilation_h, "x",
             g.dilation_w);
  JDNN_CHECK(g.pad_top >= 0 && g.pad_left >= 0 && g.pad_bottom >= 0 && g.pad_right >= 0, op,
             ": paddings must be >= 0, got top ", g.pad_top, " left ", g.pad_left, " bottom ", g.pad_bottom,
             " right ", g.pad_right);
  JDNN_CHECK(g.groups >= 1, op, ": groups must be >= 1, got ", g.groups);
  const int64_t c = x.dim(1), cout = w.dim(0);
  JDNN_CHECK(c % g.groups == 0 && cout % g.groups == 0, op, ": groups ", g.groups,
             " must divide input channels ", c, " and output channels ", cout);
  JDNN_CHECK(w.dim(1) * g.groups == c, op, ": weight ", w.describe(), " with ", g.groups,
             " groups expects ", w.dim(1) * g.groups, " input channels, got ", x.describe());
  JDNN_CHECK(w.dim(2) >= 1 && w.dim(3) >= 1, op, ": empty kernel ", w.describe());
  const int64_t oh = window_output(x.dim(2), g.pad_top, g.pad_bottom, w.dim(2), g.dilation_h, g.stride_h);
  const int64_t ow = window_output(x.dim(3), g.pad_left, g.pad_right, w.dim(3), g.dilation_w, g.stride_w);
  JDNN_CHECK(oh >= 1 && ow >= 1, op, ": kernel larger than the padded input: input ", x.describe(),
             " padded to ", x.dim(2) + g.pad_top + g.pad_bottom, "x", x.dim(3) + g.pad_left + g.pad_right,
             ", effective kernel ", g.dilation_h * (w.dim(2) - 1) + 1, "x", g.dilation_w * (w.dim(3) - 1) + 1);
  return {x.dim(0), cout, oh, ow};
}

Conv2dGeom conv_geom(int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, int groups) {
  return Conv2dGeom{sh, sw, pt, pl, pb, pr, dh, dw, groups};
}

}  // namespace

int op_conv2d(int64_t x, int64_t w, int64_t bias, int64_t y, int sh, int sw, int pt, int pl, int pb, int pr,
               int dh, int dw, int groups) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w);
    Tensor& ys = tensor_ref(y);
    const Tensor* bs = optional_ref(bias);
    const Conv2dGeom g = conv_geom(sh, sw, pt, pl, pb, pr, dh, dw, groups);
    const auto out = check_conv2d("conv2d", xs, ws, g);
    require_like("conv2d", xs, ys);
    require_dims("conv2d", ys, "output", out);
    if (bs != nullptr) {
      require_like("conv2d", xs, *bs);
      require_dims("conv2d", *bs, "bias", {ws.dim(0)});
    }
    backend_of(xs).conv2d(xs, ws, bs, ys, g);
  });
}

int op_conv2d_backward(int64_t x, int64_t w, int64_t dy, int64_t dx, int64_t dw, int64_t dbias, int sh,
                        int sw, int pt, int pl, int pb, int pr, int dh, int dwl, int groups) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w), &dys = tensor_ref(dy);
    Tensor* dxs = optional_ref(dx);
    Tensor* dws = optional_ref(dw);
    Tensor* dbs = optional_ref(dbias);
    const Conv2dGeom g = conv_geom(sh, sw, pt, pl, pb, pr, dh, dwl, groups);
    const auto out = check_conv2d("conv2d_backward", xs, ws, g);
    require_like("conv2d_backward", xs, dys);
    require_dims("conv2d_backward", dys, "output gradient", out);
    if (dxs != nullptr) {
      require_like("conv2d_backward", xs, *dxs);
      require_dims("conv2d_backward", *dxs, "input gradient", xs.shape);
    }
    if (dws != nullptr) {
      require_like("conv2d_backward", xs, *dws);
      require_dims("conv2d_backward", *dws, "weight gradient", ws.shape);
    }
    if (dbs != nullptr) {
      require_like("conv2d_backward", xs, *dbs);
      require_dims("conv2d_backward", *dbs, "bias gradient", {ws.dim(0)});
    }
    backend_of(xs).conv2d_backward(xs, ws, dys, dxs, dws, dbs, g);
  });
}

}  // namespace jdnn
