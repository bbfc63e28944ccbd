// Facade: matrix products, Linear and the bf16 inference Linear.
#include <vector>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {

// c = op(a) op(b) over the last two dims: rank 2 (matmul) or rank 3 with one batch size (bmm).
void require_product(const char* op, const Tensor& a, const Tensor& b, const Tensor& c, bool ta, bool tb,
                     int rank) {
  JDNN_CHECK(a.ndim() == rank && b.ndim() == rank && c.ndim() == rank, op, ": operands must be ", rank,
             "-D, got ", a.describe(), ", ", b.describe(), ", ", c.describe());
  require_float(op, c, "output");
  require_like(op, a, c);
  require_like(op, b, c);
  const int r = rank - 2;  // the row dimension
  std::vector<int64_t> expected(c.shape.begin(), c.shape.begin() + r);
  if (rank == 3) {
    JDNN_CHECK(a.dim(0) == c.dim(0) && b.dim(0) == c.dim(0), op, ": batch sizes differ: ", a.describe(), ", ",
               b.describe(), ", ", c.describe());
  }
  const int64_t m = ta ? a.dim(r + 1) : a.dim(r), k = ta ? a.dim(r) : a.dim(r + 1);
  const int64_t kb = tb ? b.dim(r + 1) : b.dim(r), n = tb ? b.dim(r) : b.dim(r + 1);
  JDNN_CHECK(k == kb, op, ": inner dimensions differ: ", k, " vs ", kb, " (", a.describe(), " x ", b.describe(),
             ")");
  expected.push_back(m);
  expected.push_back(n);
  JDNN_CHECK(c.shape == expected, op, ": output ", c.describe(), " must be ", shape_string(expected));
}

using ProductEntry = void (Backend::*)(const Tensor&, const Tensor&, Tensor&, bool, bool, double, double);

// matmul and bmm: the same look-ups, checks and call, but for the rank and the backend entry.
int product(const char* op, int rank, ProductEntry entry, int64_t a, int64_t b, int64_t c, bool ta, bool tb,
            double alpha, double beta) noexcept {
  return status_of([&] {
    const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
    Tensor& cs = tensor_ref(c);
    require_product(op, as, bs, cs, ta, tb, rank);
    (backend_of(cs).*entry)(as, bs, cs, ta, tb, alpha, beta);
  });
}

}  // namespace

int op_matmul(int64_t a, int64_t b, int64_t c, bool ta, bool tb, double alpha, double beta) noexcept {
  return product("matmul", 2, &Backend::matmul, a, b, c, ta, tb, alpha, beta);
}

int op_bmm(int64_t a, int64_t b, int64_t c, bool ta, bool tb, double alpha, double beta) noexcept {
  return product("bmm", 3, &Backend::bmm, a, b, c, ta, tb, alpha, beta);
}

int op_linear(int64_t x, int64_t w, int64_t bias, int64_t y, bool relu) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w);
    Tensor& ys = tensor_ref(y);
    const Tensor* bs = optional_ref(bias);
    require_float("linear", xs, "input");
    JDNN_CHECK(xs.ndim() == 2 && ws.ndim() == 2 && ys.ndim() == 2, "linear: x, w, y must be 2-D, got ",
               xs.describe(), ", ", ws.describe(), ", ", ys.describe());
    JDNN_CHECK(xs.dim(1) == ws.dim(1), "linear: input has ", xs.dim(1), " features, weight expects ", ws.dim(1));
    JDNN_CHECK(ys.dim(0) == xs.dim(0) && ys.dim(1) == ws.dim(0), "linear: output ", ys.describe(),
               " must be [", xs.dim(0), ", ", ws.dim(0), "]");
    for (const Tensor* t : {&ws, static_cast<const Tensor*>(&ys)}) {
      require_like("linear", xs, *t);
    }
    if (bs != nullptr) {
      JDNN_CHECK(bs->ndim() == 1 && bs->dim(0) == ws.dim(0), "linear: bias ", bs->describe(), " must be [",
                 ws.dim(0), "]");
      require_like("linear", xs, *bs);
    }
    backend_of(xs).linear(xs, ws, bs, ys, relu);
  });
}

int op_linear_weight_grad(int64_t g, int64_t x, int64_t dw, double beta, int64_t db) noexcept {
  return status_of([&] {
    const Tensor &gs = tensor_ref(g), &xs = tensor_ref(x);
    Tensor& ws = tensor_ref(dw);
    Tensor* bs = optional_ref(db);
    require_float("linear_weight_grad", gs, "output gradient");
    JDNN_CHECK(gs.ndim() == 2 && xs.ndim() == 2 && ws.ndim() == 2, "linear_weight_grad: g, x, dw must be 2-D, got ",
               gs.describe(), ", ", xs.describe(), ", ", ws.describe());
    JDNN_CHECK(gs.dim(0) == xs.dim(0) && ws.dim(0) == gs.dim(1) && ws.dim(1) == xs.dim(1), "linear_weight_grad: g ",
               gs.describe(), " and x ", xs.describe(), " need dw [", gs.dim(1), ", ", xs.dim(1), "], got ",
               ws.describe());
    for (const Tensor* t : {&xs, static_cast<const Tensor*>(&ws)}) require_like("linear_weight_grad", gs, *t);
    if (bs != nullptr) {
      JDNN_CHECK(bs->ndim() == 1 && bs->dim(0) == gs.dim(1), "linear_weight_grad: db ", bs->describe(), " must be [",
                 gs.dim(1), "]");
      require_like("linear_weight_grad", gs, *bs);
    }
    backend_of(gs).linear_weight_grad(gs, xs, ws, beta, bs);
  });
}

int op_bf16_pack_weight(int64_t w, int64_t packed) noexcept {
  return status_of([&] {
    const Tensor& ws = tensor_ref(w);
    Tensor& ps = tensor_ref(packed);
    JDNN_CHECK(ws.dtype == DType::FLOAT32 && ws.ndim() == 2, "bf16_pack_weight: weight must be float32 (out, in), got ", ws.describe());
    JDNN_CHECK(ps.dtype == DType::INT32 && ps.numel == bf16_packed_numel(ws.dim(0), ws.dim(1)), "bf16_pack_weight: packed must be int32[",
               bf16_packed_numel(ws.dim(0), ws.dim(1)), "], got ", ps.describe());
    require_same_device("bf16_pack_weight", ws, ps);
    backend_of(ws).bf16_pack_weight(ws, ps);
  });
}

int op_linear_bf16(int64_t x, int64_t packed, int64_t bias, int64_t y, bool relu) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ps = tensor_ref(packed);
    Tensor& ys = tensor_ref(y);
    const Tensor* bs = optional_ref(bias);
    JDNN_CHECK(xs.dtype == DType::FLOAT32 && ys.dtype == DType::FLOAT32 && xs.ndim() == 2 && ys.ndim() == 2 && xs.dim(0) == ys.dim(0),
               "linear_bf16: x and y must be float32 (N, in) and (N, out), got ", xs.describe(), ", ", ys.describe());
    JDNN_CHECK(xs.dim(1) > 0 && ys.dim(1) > 0 && ps.dtype == DType::INT32 && ps.numel == bf16_packed_numel(ys.dim(1), xs.dim(1)),
               "linear_bf16: packed weight ", ps.describe(), " does not match ", xs.dim(1), " -> ", ys.dim(1));
    if (bs != nullptr)
      JDNN_CHECK(bs->dtype == DType::FLOAT32 && bs->ndim() == 1 && bs->dim(0) == ys.dim(1), "linear_bf16: bias ", bs->describe(),
                 " must be float32[", ys.dim(1), "]");
    for (const Tensor* t : {&ps, static_cast<const Tensor*>(&ys)}) require_same_device("linear_bf16", xs, *t);
    if (bs != nullptr) require_same_device("linear_bf16", xs, *bs);
    backend_of(xs).linear_bf16(xs, ps, bs, ys, relu);
  });
}

int op_matmul_half(int64_t a, int64_t b, int64_t bias, int64_t c, bool ta, bool tb, int low) noexcept {
  return status_of([&] {
    const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
    Tensor& cs = tensor_ref(c);
    const Tensor* bias_t = optional_ref(bias);
    const char* op = "matmul_half";
    const DType low_type = dtype_of(low);
    JDNN_CHECK(low_type == DType::BFLOAT16 || low_type == DType::FLOAT16, op, ": the operands round to bfloat16 or"
               " float16, got ", dtype_name(low_type));
    const int r = as.ndim();
    for (const Tensor* t : {&as, &bs, static_cast<const Tensor*>(&cs)}) {
      JDNN_CHECK(t->dtype == DType::FLOAT32 && (r == 2 || r == 3) && t->ndim() == r, op,
                 ": operands must be float32, all 2-D or all 3-D (one batch size), got ", t->describe());
      require_same_device(op, as, *t);
    }
    JDNN_CHECK(r == 2 || (bs.dim(0) == as.dim(0) && cs.dim(0) == as.dim(0) && bias_t == nullptr), op,
               ": batched operands need one batch size and no bias, got ", as.describe(), ", ", bs.describe(), ", ",
               cs.describe());
    const int64_t m = ta ? as.dim(r - 1) : as.dim(r - 2), k = ta ? as.dim(r - 2) : as.dim(r - 1);
    const int64_t kb = tb ? bs.dim(r - 1) : bs.dim(r - 2), n = tb ? bs.dim(r - 2) : bs.dim(r - 1);
    JDNN_CHECK(k == kb && cs.dim(r - 2) == m && cs.dim(r - 1) == n, op, ": ", as.describe(), ta ? " (transposed)" : "",
               " x ", bs.describe(), tb ? " (transposed)" : "", " does not give ", cs.describe());
    if (bias_t != nullptr) {
      JDNN_CHECK(bias_t->dtype == DType::FLOAT32 && bias_t->ndim() == 1 && bias_t->dim(0) == n, op, ": bias ",
                 bias_t->describe(), " must be float32[", n, "]");
      require_same_device(op, as, *bias_t);
    }
    backend_of(as).matmul_half(as, bs, bias_t, cs, ta, tb, low_type);
  });
}

}  // namespace jdnn
