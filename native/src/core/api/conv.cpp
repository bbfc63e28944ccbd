// Facade: 2-D convolution.
#include <vector>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {

// The geometry as Java packs it (jdnn.h); an array of another length is refused before it is read.
Conv2dGeom conv_geometry(const char* op, const int64_t* packed, int n) {
  JDNN_CHECK(packed != nullptr && n == 9, op, ": the geometry must hold 9 values, got ", n);
  return Conv2dGeom{packed[0], packed[1], packed[2], packed[3], packed[4], packed[5], packed[6], packed[7], packed[8]};
}

// What the kernels need to stay inside their tensors: positive strides, dilations and groups,
// paddings >= 0, a weight whose channel blocks fit the input, and a non-empty output. The user-facing
// checks, with their fixes, are Conv2dGeometry's (Java). Returns the output shape (N, Cout, OH, OW).
std::vector<int64_t> check_conv2d(const char* op, const Tensor& x, const Tensor& w, const Conv2dGeom& g) {
  require_float_or_half(op, x, "input");
  require_rank4(op, x, "input");
  require_rank4(op, w, "weight");
  require_like(op, x, w);
  JDNN_CHECK(g.stride_h >= 1 && g.stride_w >= 1 && g.dilation_h >= 1 && g.dilation_w >= 1 && g.groups >= 1 &&
                 g.pad_top >= 0 && g.pad_left >= 0 && g.pad_bottom >= 0 && g.pad_right >= 0,
             op, ": strides, dilations and groups must be >= 1 and paddings >= 0, got strides ", g.stride_h, "x",
             g.stride_w, ", paddings ", g.pad_top, ",", g.pad_left, ",", g.pad_bottom, ",", g.pad_right,
             ", dilations ", g.dilation_h, "x", g.dilation_w, ", groups ", g.groups);
  JDNN_CHECK(w.dim(1) * g.groups == x.dim(1) && w.dim(0) % g.groups == 0 && w.dim(2) >= 1 && w.dim(3) >= 1, op,
             ": weight ", w.describe(), " in ", g.groups, " groups does not fit input ", x.describe());
  const int64_t oh = window_output(x.dim(2), g.pad_top, g.pad_bottom, w.dim(2), g.dilation_h, g.stride_h);
  const int64_t ow = window_output(x.dim(3), g.pad_left, g.pad_right, w.dim(3), g.dilation_w, g.stride_w);
  JDNN_CHECK(oh >= 1 && ow >= 1, op, ": the kernel of ", w.describe(), " does not fit the padded input ",
             x.describe());
  return {x.dim(0), w.dim(0), oh, ow};
}

}  // namespace

int op_conv2d(int64_t x, int64_t w, int64_t bias, int64_t y, const int64_t* geometry, int geometry_length,
              bool relu) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w);
    Tensor& ys = tensor_ref(y);
    const Tensor* bs = optional_ref(bias);
    const Conv2dGeom g = conv_geometry("conv2d", geometry, geometry_length);
    const auto out = check_conv2d("conv2d", xs, ws, g);
    require_like_dims("conv2d", xs, &ys, "output", out);
    require_like_dims("conv2d", xs, bs, "bias", {ws.dim(0)});
    JDNN_CHECK(!is_half(xs.dtype) || (bs == nullptr && !relu), "conv2d: a 16-bit convolution (", xs.describe(),
               ") takes no bias or fused ReLU; add them after it, as autocast does");
    backend_of(xs).conv2d(xs, ws, bs, ys, g, relu);
  });
}

int op_conv2d_backward(int64_t x, int64_t w, int64_t dy, int64_t dx, int64_t dw, int64_t dbias,
                       const int64_t* geometry, int geometry_length) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w), &dys = tensor_ref(dy);
    Tensor* dxs = optional_ref(dx);
    Tensor* dws = optional_ref(dw);
    Tensor* dbs = optional_ref(dbias);
    const Conv2dGeom g = conv_geometry("conv2d_backward", geometry, geometry_length);
    const auto out = check_conv2d("conv2d_backward", xs, ws, g);
    const char* op = "conv2d_backward";
    require_like_dims(op, xs, &dys, "output gradient", out);
    require_like_dims(op, xs, dxs, "input gradient", xs.shape);
    require_like_dims(op, xs, dws, "weight gradient", ws.shape);
    require_like_dims(op, xs, dbs, "bias gradient", {ws.dim(0)});
    JDNN_CHECK(!is_half(xs.dtype) || dbs == nullptr, op, ": a 16-bit convolution (", xs.describe(),
               ") has no bias gradient; sum the output gradient instead, as autocast does");
    backend_of(xs).conv2d_backward(xs, ws, dys, dxs, dws, dbs, g);
  });
}

}  // namespace jdnn
