// Facade: index_select / index_add along one dim and gather / scatter_add (org.jdnn.tensor.IndexOps).
// The index values are the backends' to check: they read them anyway, and CUDA without waiting.
#include "core/api/checks.h"
#include "core/status.h"
#include "kernels/strided.h"

namespace jdnn {

namespace {

void check_dim(const char* op, const Tensor& t, int dim) {
  JDNN_CHECK(t.ndim() >= 1 && dim >= 0 && dim < t.ndim(), op, ": dimension ", dim, " invalid for ", t.describe());
}

void check_float(const char* op, const Tensor& t) {
  JDNN_CHECK(t.dtype == DType::FLOAT32 || t.dtype == DType::FLOAT64, op, ": expected a float32 or float64 tensor, got ",
             t.describe());
}

// `rows` is `whole` with dim resized to the index's length.
void check_rows(const char* op, const Tensor& whole, const Tensor& rows, int dim, const Tensor& index) {
  require_index_dtype(op, index, "index");
  JDNN_CHECK(index.ndim() == 1, op, ": index must be 1-D, got ", index.describe());
  require_same_device(op, whole, index);
  require_like(op, whole, rows);
  check_dim(op, whole, dim);
  std::vector<int64_t> shape = whole.shape;
  shape[dim] = index.numel;
  require_dims(op, rows, "tensor", shape);
}

// index has t's rank (at most kStridedMaxDims) and fits in t outside dim (inside dim too when `all`).
void check_within(const char* op, const Tensor& index, const Tensor& t, int dim, bool all) {
  JDNN_CHECK(index.ndim() == t.ndim(), op, ": index ", index.describe(), " must have the rank of ", t.describe());
  for (int d = 0; d < t.ndim(); ++d)
    JDNN_CHECK((d == dim && !all) || index.shape[d] <= t.shape[d], op, ": index ", index.describe(),
               " is larger than ", t.describe(), " in dimension ", d);
}

void check_index(const char* op, const Tensor& index, const Tensor& t, int dim) {
  require_index_dtype(op, index, "index");
  require_same_device(op, t, index);
  check_dim(op, t, dim);
  JDNN_CHECK(t.ndim() <= kernels::kStridedMaxDims, op, ": ", t.describe(), " has more than ",
             kernels::kStridedMaxDims, " dims");
}

}  // namespace

int op_index_select(int64_t x, int dim, int64_t index, int64_t y) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &i = tensor_ref(index);
    Tensor& ys = tensor_ref(y);
    check_rows("index_select", xs, ys, dim, i);
    backend_of(xs).index_select(xs, dim, i, ys);
  });
}

int op_index_add(int64_t src, int dim, int64_t index, int64_t dst) noexcept {
  return status_of([&] {
    const Tensor &s = tensor_ref(src), &i = tensor_ref(index);
    Tensor& d = tensor_ref(dst);
    check_float("index_add", d);
    check_rows("index_add", d, s, dim, i);
    backend_of(d).index_add(s, dim, i, d);
  });
}

int op_gather(int64_t x, int dim, int64_t index, int64_t y) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &i = tensor_ref(index);
    Tensor& ys = tensor_ref(y);
    check_index("gather", i, xs, dim);
    check_within("gather", i, xs, dim, false);
    require_like("gather", xs, ys);
    require_dims("gather", ys, "output", i.shape);
    backend_of(xs).gather(xs, dim, i, ys);
  });
}

int op_scatter_add(int64_t src, int dim, int64_t index, int64_t dst) noexcept {
  return status_of([&] {
    const Tensor &s = tensor_ref(src), &i = tensor_ref(index);
    Tensor& d = tensor_ref(dst);
    check_float("scatter_add", d);
    require_like("scatter_add", d, s);
    check_index("scatter_add", i, d, dim);
    check_within("scatter_add", i, d, dim, false);
    check_within("scatter_add", i, s, dim, true);
    backend_of(d).scatter_add(s, dim, i, d);
  });
}

}  // namespace jdnn
