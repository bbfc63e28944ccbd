// Facade: max and average pooling.
#include <climits>
#include <vector>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {

// The window as Java packs it (jdnn.h); an array of another length is refused before it is read.
Pool2dGeom pool_geometry(const char* op, const int64_t* packed, int n) {
  JDNN_CHECK(packed != nullptr && n == 6, op, ": the window must hold 6 values, got ", n);
  return Pool2dGeom{packed[0], packed[1], packed[2], packed[3], packed[4], packed[5]};
}

// What the kernels need: positive kernel and strides, a non-empty output, and padding of at most
// half the kernel, so that every window holds an input cell (max pooling records the position of
// one). The user-facing checks, with their fixes, are Pool2dGeometry's (Java). Returns the output
// shape (N, C, OH, OW).
std::vector<int64_t> check_pool2d(const char* op, const Tensor& x, const Pool2dGeom& g) {
  require_float(op, x, "input");
  require_rank4(op, x, "input");
  JDNN_CHECK(x.dim(2) >= 1 && x.dim(3) >= 1, op, ": input planes must not be empty, got ", x.describe());
  JDNN_CHECK(g.kh >= 1 && g.kw >= 1 && g.stride_h >= 1 && g.stride_w >= 1, op,
             ": kernel and strides must be >= 1, got kernel ", g.kh, "x", g.kw, ", strides ", g.stride_h, "x",
             g.stride_w);
  JDNN_CHECK(g.pad_h >= 0 && g.pad_w >= 0 && g.pad_h <= g.kh / 2 && g.pad_w <= g.kw / 2, op, ": padding ",
             g.pad_h, "x", g.pad_w, " must be >= 0 and at most half the kernel ", g.kh, "x", g.kw);
  const int64_t oh = window_output(x.dim(2), g.pad_h, g.pad_h, g.kh, 1, g.stride_h);
  const int64_t ow = window_output(x.dim(3), g.pad_w, g.pad_w, g.kw, 1, g.stride_w);
  JDNN_CHECK(oh >= 1 && ow >= 1, op, ": kernel ", g.kh, "x", g.kw, " does not fit the padded input ",
             x.describe());
  return {x.dim(0), x.dim(1), oh, ow};
}

}  // namespace

int op_max_pool2d(int64_t x, int64_t y, int64_t indices, const int64_t* window, int window_length) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor &ys = tensor_ref(y), &is = tensor_ref(indices);
    const Pool2dGeom g = pool_geometry("max_pool2d", window, window_length);
    const auto out = check_pool2d("max_pool2d", xs, g);
    require_like_dims("max_pool2d", xs, &ys, "output", out);
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

int op_avg_pool2d(int64_t x, int64_t y, const int64_t* window, int window_length, bool include_pad) noexcept {
  return status_of([&] {
    const Tensor& xs = tensor_ref(x);
    Tensor& ys = tensor_ref(y);
    const Pool2dGeom g = pool_geometry("avg_pool2d", window, window_length);
    const auto out = check_pool2d("avg_pool2d", xs, g);
    require_like_dims("avg_pool2d", xs, &ys, "output", out);
    backend_of(xs).avg_pool2d(xs, ys, g, include_pad);
  });
}

int op_avg_pool2d_backward(int64_t dy, int64_t dx, const int64_t* window, int window_length,
                           bool include_pad) noexcept {
  return status_of([&] {
    const Tensor& dys = tensor_ref(dy);
    Tensor& dxs = tensor_ref(dx);
    const Pool2dGeom g = pool_geometry("avg_pool2d_backward", window, window_length);
    const auto out = check_pool2d("avg_pool2d_backward", dxs, g);
    require_like_dims("avg_pool2d_backward", dxs, &dys, "output gradient", out);
    backend_of(dxs).avg_pool2d_backward(dys, dxs, g, include_pad);
  });
}

}  // namespace jdnn
