// The facade: checks what native code needs to stay memory-safe, then
// dispatches to the backend of the tensors' device.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/backend.h"
#include "core/device_loader.h"
#include "core/handles.h"
#include "core/tensor.h"
#include "cpu/gemm.h"
#include "cpu/gemm_bf16.h"
#include "cpu/thread_pool.h"
#include "jdnn/jdnn.h"
#include "kernels/unary.h"

namespace jdnn {

namespace {

Backend& backend_of(const Tensor& t) { return backend_for(t.device); }

void require_shape_equal(const char* op, const Tensor& a, const Tensor& b) {
  JDNN_CHECK(a.shape == b.shape, op, ": shapes differ: ", a.describe(), " vs ", b.describe());
}

// t has ref's dtype and device.
void require_like(const char* op, const Tensor& ref, const Tensor& t) {
  require_same_dtype(op, ref, t);
  require_same_device(op, ref, t);
}

// t has ref's dtype, device and element count.
void require_like_sized(const char* op, const Tensor& ref, const Tensor& t) {
  require_like(op, ref, t);
  require_same_numel(op, ref, t);
}

void require_range(const char* op, const Tensor& t, int64_t offset, int64_t n) {
  JDNN_CHECK(offset >= 0 && n >= 0 && offset <= t.numel && n <= t.numel - offset, op,
             ": range [", offset, ", ", offset, " + ", n, ") is outside ", t.describe());
}

template <class Host>
void write_host(const char* op, DType dtype, int64_t h, const Host* src, int64_t offset, int64_t n) {
  const ApiCall call;
  Tensor& t = tensor_ref(h);
  JDNN_CHECK(t.dtype == dtype, op, ": tensor is ", t.describe(), ", host data is ", dtype_name(dtype));
  require_range(op, t, offset, n);
  JDNN_CHECK(src != nullptr || n == 0, op, ": null source");
  const size_t size = dtype_size(dtype);
  if (n > 0) backend_of(t).copy_from_host(t, src, offset * size, n * size);
}

template <class Host>
void read_host(const char* op, DType dtype, int64_t h, Host* dst, int64_t offset, int64_t n) {
  const ApiCall call;
  const Tensor& t = tensor_ref(h);
  JDNN_CHECK(t.dtype == dtype, op, ": tensor is ", t.describe(), ", host buffer is ", dtype_name(dtype));
  require_range(op, t, offset, n);
  JDNN_CHECK(dst != nullptr || n == 0, op, ": null destination");
  const size_t size = dtype_size(dtype);
  if (n > 0) backend_of(t).copy_to_host(t, dst, offset * size, n * size);
}

// a and b broadcast to out (NumPy rules, right-aligned).
void require_broadcastable(const char* op, const Tensor& a, const Tensor& out) {
  JDNN_CHECK(a.ndim() <= out.ndim(), op, ": ", a.describe(), " has more dimensions than output ",
             out.describe());
  for (int i = a.ndim() - 1, o = out.ndim() - 1; i >= 0; --i, --o)
    JDNN_CHECK(a.shape[i] == 1 || a.shape[i] == out.shape[o], op, ": ", a.describe(),
               " does not broadcast to ", out.describe());
}

}  // namespace

// ---- tensors ----------------------------------------------------------------

int64_t tensor_new(int dtype, int device, const int64_t* shape, int ndim) {
  const DType type = dtype_of(dtype);
  const Device dev = device_of(device);
  JDNN_CHECK(shape != nullptr || ndim == 0, "tensor_new: null shape");
  const int64_t numel = shape_numel(shape, ndim);
  JDNN_CHECK(numel <= (int64_t(1) << 40), "tensor_new: ", numel, " elements is more than jdnn allows");
  auto t = std::make_unique<Tensor>();
  t->dtype = type;
  t->device = dev;
  t->shape.assign(shape, shape + ndim);
  t->numel = numel;
  backend_for(dev);  // fails early, naming the device, when its backend is absent
  t->storage = std::make_shared<Storage>(dev, numel * dtype_size(type));
  return handle_create(std::move(t));
}

int64_t tensor_view(int64_t h, const int64_t* shape, int ndim) {
  const ApiCall call;
  const Tensor& src = tensor_ref(h);
  const int64_t numel = shape_numel(shape, ndim);
  std::vector<int64_t> dims(shape, shape + ndim);
  JDNN_CHECK(numel == src.numel, "view: cannot view ", src.describe(), " as ", shape_string(dims),
             " (", src.numel, " vs ", numel, " elements)");
  auto t = std::make_unique<Tensor>(src);
  t->shape = std::move(dims);
  return handle_create(std::move(t));
}

void tensor_free(int64_t h) {
  if (h != 0) handle_close(h);
}

int64_t tensor_live_handles() { return live_handles(); }

int tensor_dtype(int64_t h) {
  const ApiCall call;
  return static_cast<int>(tensor_ref(h).dtype);
}
int tensor_device(int64_t h) {
  const ApiCall call;
  return static_cast<int>(tensor_ref(h).device);
}
int64_t tensor_numel(int64_t h) {
  const ApiCall call;
  return tensor_ref(h).numel;
}

void tensor_write_f32(int64_t h, const float* s, int64_t o, int64_t n) { write_host("write", DType::FLOAT32, h, s, o, n); }
void tensor_write_f64(int64_t h, const double* s, int64_t o, int64_t n) { write_host("write", DType::FLOAT64, h, s, o, n); }
void tensor_write_i32(int64_t h, const int32_t* s, int64_t o, int64_t n) { write_host("write", DType::INT32, h, s, o, n); }
void tensor_write_i64(int64_t h, const int64_t* s, int64_t o, int64_t n) { write_host("write", DType::INT64, h, s, o, n); }
void tensor_write_u8(int64_t h, const uint8_t* s, int64_t o, int64_t n) { write_host("write", DType::UINT8, h, s, o, n); }
void tensor_read_f32(int64_t h, float* d, int64_t o, int64_t n) { read_host("read", DType::FLOAT32, h, d, o, n); }
void tensor_read_f64(int64_t h, double* d, int64_t o, int64_t n) { read_host("read", DType::FLOAT64, h, d, o, n); }
void tensor_read_i32(int64_t h, int32_t* d, int64_t o, int64_t n) { read_host("read", DType::INT32, h, d, o, n); }
void tensor_read_i64(int64_t h, int64_t* d, int64_t o, int64_t n) { read_host("read", DType::INT64, h, d, o, n); }
void tensor_read_u8(int64_t h, uint8_t* d, int64_t o, int64_t n) { read_host("read", DType::UINT8, h, d, o, n); }

namespace {
thread_local std::string t_last_error;

// Runs a host copy without letting an exception escape (see TensorStatus).
template <class Copy>
int copy_status(int64_t h, Copy copy) noexcept {
  try {
    const ApiCall call;
    Tensor* t = tensor_try_ref(h);
    if (t == nullptr) return TS_CLOSED;
    copy(*t);
    return TS_OK;
  } catch (const std::exception& e) {
    try { t_last_error = e.what(); } catch (...) {}
  } catch (...) {
    try { t_last_error = "unknown native error"; } catch (...) {}
  }
  return TS_FAILED;
}
}  // namespace

int tensor_write_f32_critical(int64_t h, const float* s, int64_t o, int64_t n) noexcept {
  return copy_status(h, [&](Tensor& t) {
    JDNN_CHECK(t.dtype == DType::FLOAT32, "write: tensor is ", t.describe(), ", host data is float32");
    require_range("write", t, o, n);
    if (n > 0) backend_of(t).copy_from_host(t, s, o * sizeof(float), n * sizeof(float));
  });
}

int tensor_read_f32_critical(int64_t h, float* d, int64_t o, int64_t n) noexcept {
  return copy_status(h, [&](Tensor& t) {
    JDNN_CHECK(t.dtype == DType::FLOAT32, "read: tensor is ", t.describe(), ", host buffer is float32");
    require_range("read", t, o, n);
    if (n > 0) backend_of(t).copy_to_host(t, d, o * sizeof(float), n * sizeof(float));
  });
}

const char* tensor_last_error() { return t_last_error.c_str(); }

void tensor_fill(int64_t h, double value) {
  const ApiCall call;
  Tensor& t = tensor_ref(h);
  backend_of(t).fill(t, value);
}

void tensor_add_int(int64_t h, int64_t delta) {
  const ApiCall call;
  Tensor& t = tensor_ref(h);
  JDNN_CHECK(t.dtype == DType::INT32 || t.dtype == DType::INT64, "add_int: expected an int32 or int64 tensor, got ",
             t.describe());
  if (t.numel > 0) backend_of(t).add_int(t, delta);
}

void tensor_copy(int64_t src, int64_t dst) {
  const ApiCall call;
  const Tensor& s = tensor_ref(src);
  Tensor& d = tensor_ref(dst);
  require_same_device("copy", s, d);
  require_same_numel("copy", s, d);
  backend_of(d).convert(s, d);
}

void tensor_gather_rows(int64_t src, int64_t index, int64_t dst) {
  const ApiCall call;
  const Tensor &s = tensor_ref(src), &i = tensor_ref(index);
  Tensor& d = tensor_ref(dst);
  JDNN_CHECK(s.ndim() >= 1, "gather_rows: source must have a row dimension, got ", s.describe());
  JDNN_CHECK(i.dtype == DType::INT32 || i.dtype == DType::INT64, "gather_rows: index must be int32 or int64, got ",
             i.describe());
  require_like("gather_rows", s, d);
  require_same_device("gather_rows", s, i);
  const int64_t row = s.shape[0] == 0 ? 0 : s.numel / s.shape[0];
  JDNN_CHECK(d.numel == i.numel * row, "gather_rows: destination ", d.describe(), " must hold ",
             i.numel, " rows of ", row);
  backend_of(d).gather_rows(s, i, d);
}

// ---- devices ------------------------------------------------------------------

void device_load(int device, const char* library_path) {
  load_device_library(device_of(device), library_path);
}

bool device_loaded(int device) { return backend_loaded(device_of(device)); }

void device_preload_library(const char* library_path) { preload_library(library_path); }

const char* device_describe(int device) {
  thread_local std::string text;
  text = backend_for(device_of(device)).describe();
  return text.c_str();
}

void device_synchronize(int device) { backend_for(device_of(device)).synchronize(); }

void device_set_option(int device, const char* key, double value) {
  JDNN_CHECK(key != nullptr, "device_set_option: null key");
  backend_for(device_of(device)).set_option(key, value);
}

double device_stat(int device, const char* key) {
  JDNN_CHECK(key != nullptr, "device_stat: null key");
  return backend_for(device_of(device)).stat(key);
}

void tensor_transfer(int64_t src, int64_t dst) {
  const ApiCall call;
  const Tensor& s = tensor_ref(src);
  Tensor& d = tensor_ref(dst);
  require_same_dtype("to", s, d);
  require_same_numel("to", s, d);
  const size_t bytes = s.numel * dtype_size(s.dtype);
  if (bytes == 0) return;
  if (s.device == d.device) {
    backend_of(d).convert(s, d);
  } else if (s.device == Device::CPU) {
    backend_of(d).copy_from_host(d, s.data<char>(), 0, bytes);
  } else if (d.device == Device::CPU) {
    backend_of(s).copy_to_host(s, d.data<char>(), 0, bytes);
  } else {  // device to device through the host
    std::vector<char> staging(bytes);
    backend_of(s).copy_to_host(s, staging.data(), 0, bytes);
    backend_of(d).copy_from_host(d, staging.data(), 0, bytes);
  }
}

// ---- memory and threads -------------------------------------------------------

int64_t memory_bytes_in_use(int device) { return allocator_for(device_of(device)).bytes_in_use(); }
int64_t memory_bytes_cached(int device) { return allocator_for(device_of(device)).bytes_cached(); }
void memory_release_cached(int device) { allocator_for(device_of(device)).release_cached(); }
int cpu_num_threads() { return cpu::num_threads(); }
void cpu_set_num_threads(int n) { cpu::set_num_threads(n); }
const char* cpu_gemm_kernel() { return cpu::sgemm_kernel_name(); }

// ---- ops ----------------------------------------------------------------------

void op_unary(int op, int64_t x, int64_t y, double alpha, double alpha2) {
  const ApiCall call;
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  require_float("unary", xs, "input");
  require_like_sized("unary", xs, ys);
  backend_of(xs).unary(unary_op_of(op), xs, ys, alpha, alpha2);
}

void op_unary_backward(int op, int64_t x, int64_t y, int64_t dy, int64_t dx, double alpha, double alpha2) {
  const ApiCall call;
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
}

void op_binary(int op, int64_t a, int64_t b, int64_t out) {
  const ApiCall call;
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
}

namespace {

// c = op(a) op(b) over the last two dims: rank 2 (matmul) or rank 3 with one batch size (bmm).
void require_product(const char* op, const Tensor& a, const Tensor& b, const Tensor& c, bool ta, bool tb,
                     int rank) {
  JDNN_CHECK(a.ndim() == rank && b.ndim() == rank && c.ndim() == rank, op, ": operands must be ", rank,
             "-D, got ", a.describe(), ", ", b.describe(), ", ", c.describe());
  require_float(op, c, "output");
  require_same_dtype(op, a, c);
  require_same_dtype(op, b, c);
  require_same_device(op, a, c);
  require_same_device(op, b, c);
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

}  // namespace

void op_matmul(int64_t a, int64_t b, int64_t c, bool ta, bool tb, double alpha, double beta) {
  const ApiCall call;
  const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
  Tensor& cs = tensor_ref(c);
  require_product("matmul", as, bs, cs, ta, tb, 2);
  backend_of(cs).matmul(as, bs, cs, ta, tb, alpha, beta);
}

void op_bmm(int64_t a, int64_t b, int64_t c, bool ta, bool tb, double alpha, double beta) {
  const ApiCall call;
  const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
  Tensor& cs = tensor_ref(c);
  require_product("bmm", as, bs, cs, ta, tb, 3);
  backend_of(cs).bmm(as, bs, cs, ta, tb, alpha, beta);
}

void op_linear(int64_t x, int64_t w, int64_t bias, int64_t y, bool relu) {
  const ApiCall call;
  const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w);
  Tensor& ys = tensor_ref(y);
  const Tensor* bs = bias == 0 ? nullptr : &tensor_ref(bias);
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
}

int64_t bf16_packed_numel(int64_t out, int64_t in) {
  JDNN_CHECK(out > 0 && in > 0, "bf16_packed_numel: sizes must be positive, got out=", out, ", in=", in);
  return cpu::bf16_packed_words(out, in);
}

void op_bf16_pack_weight(int64_t w, int64_t packed) {
  const ApiCall call;
  const Tensor& ws = tensor_ref(w);
  Tensor& ps = tensor_ref(packed);
  JDNN_CHECK(ws.dtype == DType::FLOAT32 && ws.ndim() == 2, "bf16_pack_weight: weight must be float32 (out, in), got ", ws.describe());
  JDNN_CHECK(ps.dtype == DType::INT32 && ps.numel == bf16_packed_numel(ws.dim(0), ws.dim(1)), "bf16_pack_weight: packed must be int32[",
             bf16_packed_numel(ws.dim(0), ws.dim(1)), "], got ", ps.describe());
  require_same_device("bf16_pack_weight", ws, ps);
  backend_of(ws).bf16_pack_weight(ws, ps);
}

void op_linear_bf16(int64_t x, int64_t packed, int64_t bias, int64_t y, bool relu) {
  const ApiCall call;
  const Tensor &xs = tensor_ref(x), &ps = tensor_ref(packed);
  Tensor& ys = tensor_ref(y);
  const Tensor* bs = bias == 0 ? nullptr : &tensor_ref(bias);
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
}

const char* cpu_bf16_kernel() { return cpu::bf16_kernel_name(); }

bool cpu_bf16_force_kernel(const char* name) { return cpu::bf16_force_kernel(name); }

void op_sum_to(int64_t x, int64_t y) {
  const ApiCall call;
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  require_float("sum_to", xs, "input");
  require_like("sum_to", xs, ys);
  require_broadcastable("sum_to", ys, xs);
  backend_of(xs).sum_to(xs, ys);
}

void op_argmax_last(int64_t x, int64_t out) {
  const ApiCall call;
  const Tensor& xs = tensor_ref(x);
  Tensor& os = tensor_ref(out);
  require_float("argmax", xs, "input");
  JDNN_CHECK(xs.ndim() >= 1 && xs.dim(-1) > 0, "argmax: input needs a non-empty last dimension, got ",
             xs.describe());
  JDNN_CHECK(os.dtype == DType::INT64 && os.numel == xs.numel / xs.dim(-1), "argmax: output ", os.describe(),
             " must be int64 with ", xs.numel / xs.dim(-1), " elements");
  require_same_device("argmax", xs, os);
  backend_of(xs).argmax_last(xs, os);
}

void op_softmax(int64_t x, int64_t y, bool log) {
  const ApiCall call;
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  require_float("softmax", xs, "input");
  JDNN_CHECK(xs.ndim() >= 1, "softmax: input must have at least one dimension, got ", xs.describe());
  require_like("softmax", xs, ys);
  require_shape_equal("softmax", xs, ys);
  backend_of(xs).softmax(xs, ys, log);
}

void op_softmax_backward(int64_t y, int64_t dy, int64_t dx, bool log) {
  const ApiCall call;
  const Tensor &ys = tensor_ref(y), &dys = tensor_ref(dy);
  Tensor& dxs = tensor_ref(dx);
  require_float("softmax_backward", ys, "output");
  JDNN_CHECK(ys.ndim() >= 1, "softmax_backward: needs at least one dimension, got ", ys.describe());
  require_shape_equal("softmax_backward", ys, dys);
  require_shape_equal("softmax_backward", ys, dxs);
  require_same_dtype("softmax_backward", ys, dys);
  require_same_dtype("softmax_backward", ys, dxs);
  require_same_device("softmax_backward", ys, dys);
  require_same_device("softmax_backward", ys, dxs);
  backend_of(ys).softmax_backward(ys, dys, dxs, log);
}

namespace {
void check_cross_entropy(const char* op, const Tensor& logits, const Tensor& labels, const Tensor& scalar,
                         const Tensor& matrix) {
  require_float(op, logits, "logits");
  JDNN_CHECK(logits.ndim() == 2 && logits.dim(1) > 0, op, ": logits must be [N, C] with C > 0, got ",
             logits.describe());
  JDNN_CHECK(labels.dtype == DType::INT32 || labels.dtype == DType::INT64, op, ": labels must be int32 or int64, got ",
             labels.describe());
  JDNN_CHECK(labels.numel == logits.dim(0), op, ": ", labels.numel, " labels for ", logits.dim(0), " rows");
  JDNN_CHECK(scalar.numel == 1, op, ": loss must have one element, got ", scalar.describe());
  require_shape_equal(op, logits, matrix);
  require_same_dtype(op, logits, scalar);
  require_same_dtype(op, logits, matrix);
  require_same_device(op, logits, labels);
  require_same_device(op, logits, scalar);
  require_same_device(op, logits, matrix);
}
}  // namespace

void op_cross_entropy(int64_t logits, int64_t labels, int64_t loss, int64_t probs) {
  const ApiCall call;
  const Tensor &x = tensor_ref(logits), &l = tensor_ref(labels);
  Tensor &out = tensor_ref(loss), &p = tensor_ref(probs);
  check_cross_entropy("cross_entropy", x, l, out, p);
  backend_of(x).cross_entropy(x, l, out, p);
}

void op_cross_entropy_backward(int64_t probs, int64_t labels, int64_t dloss, int64_t dlogits) {
  const ApiCall call;
  const Tensor &p = tensor_ref(probs), &l = tensor_ref(labels), &d = tensor_ref(dloss);
  Tensor& dx = tensor_ref(dlogits);
  check_cross_entropy("cross_entropy_backward", p, l, d, dx);
  backend_of(p).cross_entropy_backward(p, l, d, dx);
}

int64_t op_point_loss(int op, int64_t x, int64_t t, int64_t out) {
  const ApiCall call;
  const Tensor &xs = tensor_ref(x), &ts = tensor_ref(t);
  Tensor& os = tensor_ref(out);
  require_float("point_loss", xs, "input");
  for (const Tensor* u : {&ts, static_cast<const Tensor*>(&os)}) {
    require_like_sized("point_loss", xs, *u);
  }
  return backend_of(xs).point_loss(point_loss_of(op), xs, ts, os);
}

void op_point_loss_backward(int op, int64_t x, int64_t t, int64_t dy, int64_t dx) {
  const ApiCall call;
  const Tensor &xs = tensor_ref(x), &ts = tensor_ref(t), &dys = tensor_ref(dy);
  Tensor& dxs = tensor_ref(dx);
  require_float("point_loss_backward", xs, "input");
  for (const Tensor* u : {&ts, &dys, static_cast<const Tensor*>(&dxs)}) {
    require_like_sized("point_loss_backward", xs, *u);
  }
  backend_of(xs).point_loss_backward(point_loss_of(op), xs, ts, dys, dxs);
}

// ---- convolution and pooling -----------------------------------------------------

namespace {

// Output length of a convolution / pooling window along one dimension, or < 1 when the
// (dilated) kernel does not fit in the padded input.
int64_t window_output(int64_t in, int64_t pad_lo, int64_t pad_hi, int64_t kernel, int64_t dilation,
                      int64_t stride) {
  const int64_t padded = in + pad_lo + pad_hi;
  if (padded < 1 || kernel - 1 > (padded - 1) / dilation) return 0;  // no overflow for huge dilations
  return (padded - dilation * (kernel - 1) - 1) / stride + 1;
}

void require_rank4(const char* op, const Tensor& t, const char* what) {
  JDNN_CHECK(t.ndim() == 4, op, ": ", what, " must be 4-D (N, C, H, W), got ", t.describe());
}

void require_dims(const char* op, const Tensor& t, const char* what, const std::vector<int64_t>& dims) {
  JDNN_CHECK(t.shape == dims, op, ": ", what, " ", t.describe(), " must have shape ", shape_string(dims));
}

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

void op_conv2d(int64_t x, int64_t w, int64_t bias, int64_t y, int sh, int sw, int pt, int pl, int pb, int pr,
               int dh, int dw, int groups) {
  const ApiCall call;
  const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w);
  Tensor& ys = tensor_ref(y);
  const Tensor* bs = bias == 0 ? nullptr : &tensor_ref(bias);
  const Conv2dGeom g = conv_geom(sh, sw, pt, pl, pb, pr, dh, dw, groups);
  const auto out = check_conv2d("conv2d", xs, ws, g);
  require_like("conv2d", xs, ys);
  require_dims("conv2d", ys, "output", out);
  if (bs != nullptr) {
    require_like("conv2d", xs, *bs);
    require_dims("conv2d", *bs, "bias", {ws.dim(0)});
  }
  backend_of(xs).conv2d(xs, ws, bs, ys, g);
}

void op_conv2d_backward(int64_t x, int64_t w, int64_t dy, int64_t dx, int64_t dw, int64_t dbias, int sh,
                        int sw, int pt, int pl, int pb, int pr, int dh, int dwl, int groups) {
  const ApiCall call;
  const Tensor &xs = tensor_ref(x), &ws = tensor_ref(w), &dys = tensor_ref(dy);
  Tensor* dxs = dx == 0 ? nullptr : &tensor_ref(dx);
  Tensor* dws = dw == 0 ? nullptr : &tensor_ref(dw);
  Tensor* dbs = dbias == 0 ? nullptr : &tensor_ref(dbias);
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
}

void op_max_pool2d(int64_t x, int64_t y, int64_t indices, int kh, int kw, int sh, int sw, int ph, int pw) {
  const ApiCall call;
  const Tensor& xs = tensor_ref(x);
  Tensor &ys = tensor_ref(y), &is = tensor_ref(indices);
  const Pool2dGeom g{kh, kw, sh, sw, ph, pw};
  const auto out = check_pool2d("max_pool2d", xs, g);
  require_like("max_pool2d", xs, ys);
  require_dims("max_pool2d", ys, "output", out);
  JDNN_CHECK(is.dtype == DType::INT32 || is.dtype == DType::INT64, "max_pool2d: indices must be int32 or int64, got ",
             is.describe());
  JDNN_CHECK(is.dtype == DType::INT64 || xs.dim(2) * xs.dim(3) <= INT32_MAX, "max_pool2d: planes of ",
             xs.dim(2) * xs.dim(3), " elements need int64 indices");
  require_same_device("max_pool2d", xs, is);
  require_dims("max_pool2d", is, "indices", out);
  backend_of(xs).max_pool2d(xs, ys, is, g);
}

void op_max_pool2d_backward(int64_t dy, int64_t indices, int64_t dx) {
  const ApiCall call;
  const Tensor &dys = tensor_ref(dy), &is = tensor_ref(indices);
  Tensor& dxs = tensor_ref(dx);
  require_float("max_pool2d_backward", dys, "output gradient");
  require_rank4("max_pool2d_backward", dys, "output gradient");
  require_rank4("max_pool2d_backward", dxs, "input gradient");
  require_like("max_pool2d_backward", dys, dxs);
  JDNN_CHECK(is.dtype == DType::INT32 || is.dtype == DType::INT64, "max_pool2d_backward: indices must be int32 or int64, got ",
             is.describe());
  require_same_device("max_pool2d_backward", dys, is);
  require_dims("max_pool2d_backward", is, "indices", dys.shape);
  JDNN_CHECK(dxs.dim(0) == dys.dim(0) && dxs.dim(1) == dys.dim(1), "max_pool2d_backward: input gradient ",
             dxs.describe(), " and output gradient ", dys.describe(), " differ in N or C");
  backend_of(dys).max_pool2d_backward(dys, is, dxs);
}

void op_avg_pool2d(int64_t x, int64_t y, int kh, int kw, int sh, int sw, int ph, int pw, bool include_pad) {
  const ApiCall call;
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  const Pool2dGeom g{kh, kw, sh, sw, ph, pw};
  const auto out = check_pool2d("avg_pool2d", xs, g);
  require_like("avg_pool2d", xs, ys);
  require_dims("avg_pool2d", ys, "output", out);
  backend_of(xs).avg_pool2d(xs, ys, g, include_pad);
}

void op_avg_pool2d_backward(int64_t dy, int64_t dx, int kh, int kw, int sh, int sw, int ph, int pw,
                            bool include_pad) {
  const ApiCall call;
  const Tensor& dys = tensor_ref(dy);
  Tensor& dxs = tensor_ref(dx);
  const Pool2dGeom g{kh, kw, sh, sw, ph, pw};
  const auto out = check_pool2d("avg_pool2d_backward", dxs, g);
  require_like("avg_pool2d_backward", dxs, dys);
  require_dims("avg_pool2d_backward", dys, "output gradient", out);
  backend_of(dxs).avg_pool2d_backward(dys, dxs, g, include_pad);
}

// ---- batch norm ---------------------------------------------------------------------

void op_batch_norm(int64_t x, int64_t gamma, int64_t beta, int64_t running_mean, int64_t running_var,
                   int64_t y, int64_t save_mean, int64_t save_invstd, bool training, double momentum,
                   double eps) {
  const ApiCall call;
  const char* op = "batch_norm";
  const Tensor& xs = tensor_ref(x);
  Tensor &ys = tensor_ref(y), &sm = tensor_ref(save_mean), &si = tensor_ref(save_invstd);
  const Tensor* gs = gamma == 0 ? nullptr : &tensor_ref(gamma);
  const Tensor* bs = beta == 0 ? nullptr : &tensor_ref(beta);
  Tensor* rm = running_mean == 0 ? nullptr : &tensor_ref(running_mean);
  Tensor* rv = running_var == 0 ? nullptr : &tensor_ref(running_var);
  require_float(op, xs, "input");
  JDNN_CHECK(xs.ndim() >= 2, op, ": input must be (N, C, ...), got ", xs.describe());
  const int64_t c = xs.dim(1);
  JDNN_CHECK((rm == nullptr) == (rv == nullptr), op, ": running mean and variance must both be given or both be absent");
  JDNN_CHECK(training || rm != nullptr, op, ": eval mode needs running statistics");
  JDNN_CHECK(eps >= 0, op, ": eps must be >= 0, got ", eps);
  if (training) {
    JDNN_CHECK(c == 0 || xs.numel / c > 1, op, ": expected more than 1 value per channel when training, got input ",
               xs.describe());
  }
  require_like(op, xs, ys);
  require_dims(op, ys, "output", xs.shape);
  const std::vector<int64_t> cdims{c};
  for (Tensor* t : {&sm, &si, rm, rv}) {
    if (t == nullptr) continue;
    require_like(op, xs, *t);
    require_dims(op, *t, "per-channel tensor", cdims);
  }
  for (const Tensor* t : {gs, bs}) {
    if (t == nullptr) continue;
    require_like(op, xs, *t);
    require_dims(op, *t, "per-channel parameter", cdims);
  }
  backend_of(xs).batch_norm(xs, gs, bs, rm, rv, ys, sm, si, training, momentum, eps);
}

void op_batch_norm_backward(int64_t x, int64_t dy, int64_t gamma, int64_t save_mean, int64_t save_invstd,
                            int64_t dx, int64_t dgamma, int64_t dbeta, bool training) {
  const ApiCall call;
  const char* op = "batch_norm_backward";
  const Tensor &xs = tensor_ref(x), &dys = tensor_ref(dy), &sm = tensor_ref(save_mean),
               &si = tensor_ref(save_invstd);
  const Tensor* gs = gamma == 0 ? nullptr : &tensor_ref(gamma);
  Tensor* dxs = dx == 0 ? nullptr : &tensor_ref(dx);
  Tensor* dgs = dgamma == 0 ? nullptr : &tensor_ref(dgamma);
  Tensor* dbs = dbeta == 0 ? nullptr : &tensor_ref(dbeta);
  require_float(op, xs, "input");
  JDNN_CHECK(xs.ndim() >= 2, op, ": input must be (N, C, ...), got ", xs.describe());
  const std::vector<int64_t> cdims{xs.dim(1)};
  require_like(op, xs, dys);
  require_dims(op, dys, "output gradient", xs.shape);
  if (dxs != nullptr) {
    require_like(op, xs, *dxs);
    require_dims(op, *dxs, "input gradient", xs.shape);
  }
  for (const Tensor* t : {gs, &sm, &si, static_cast<const Tensor*>(dgs), static_cast<const Tensor*>(dbs)}) {
    if (t == nullptr) continue;
    require_like(op, xs, *t);
    require_dims(op, *t, "per-channel tensor", cdims);
  }
  backend_of(xs).batch_norm_backward(xs, dys, gs, sm, si, dxs, dgs, dbs, training);
}

// ---- dropout --------------------------------------------------------------------------

void op_dropout_mask(int64_t mask, double p, uint64_t seed, uint64_t offset) {
  const ApiCall call;
  Tensor& m = tensor_ref(mask);
  require_float("dropout_mask", m, "mask");
  JDNN_CHECK(p >= 0 && p < 1, "dropout_mask: p must be in [0, 1), got ", p);
  backend_of(m).dropout_mask(m, p, seed, offset);
}

void op_dropout_apply(int64_t x, int64_t mask, int64_t y) {
  const ApiCall call;
  const Tensor &xs = tensor_ref(x), &ms = tensor_ref(mask);
  Tensor& ys = tensor_ref(y);
  require_float("dropout_apply", xs, "input");
  require_like("dropout_apply", xs, ms);
  require_like_sized("dropout_apply", xs, ys);
  JDNN_CHECK(ms.numel > 0 ? xs.numel % ms.numel == 0 : xs.numel == 0, "dropout_apply: mask ", ms.describe(),
             " does not tile input ", xs.describe());
  backend_of(xs).dropout_apply(xs, ms, ys);
}

// ---- slicing ----------------------------------------------------------------------------

namespace {
// `part` equals `whole` except along dim, where it fits at [start, start + part.dim(dim)).
void check_narrow(const char* op, const Tensor& whole, const Tensor& part, int dim, int64_t start) {
  require_like(op, whole, part);
  JDNN_CHECK(whole.ndim() == part.ndim() && dim >= 0 && dim < whole.ndim(), op, ": dimension ", dim,
             " invalid for ", whole.describe(), " and ", part.describe());
  for (int i = 0; i < whole.ndim(); ++i) {
    if (i != dim)
      JDNN_CHECK(whole.shape[i] == part.shape[i], op, ": ", part.describe(), " and ", whole.describe(),
                 " differ in dimension ", i);
  }
  JDNN_CHECK(start >= 0 && start <= whole.shape[dim] && part.shape[dim] <= whole.shape[dim] - start, op,
             ": slice [", start, ", ", start, " + ", part.shape[dim], ") of dimension ", dim,
             " is outside ", whole.describe());
}
}  // namespace

void op_narrow(int64_t x, int64_t y, int dim, int64_t start) {
  const ApiCall call;
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  check_narrow("narrow", xs, ys, dim, start);
  backend_of(xs).narrow(xs, ys, dim, start);
}

void op_narrow_assign(int64_t src, int64_t dst, int dim, int64_t start) {
  const ApiCall call;
  const Tensor& s = tensor_ref(src);
  Tensor& d = tensor_ref(dst);
  check_narrow("narrow_assign", d, s, dim, start);
  backend_of(d).narrow_assign(s, d, dim, start);
}

// ---- optimizers -----------------------------------------------------------------

namespace {
void check_state(const char* op, const Tensor& p, const Tensor& s, const char* what) {
  require_float(op, p, "parameter");
  JDNN_CHECK(p.dtype == s.dtype && p.device == s.device && p.numel == s.numel, op, ": ", what, " ",
             s.describe(), " does not match parameter ", p.describe());
}

// State that `used` says the update needs: a checked tensor, else null (and the handle must be 0).
Tensor* optional_state(const char* op, const Tensor& p, int64_t h, bool used, const char* what) {
  if (!used) {
    JDNN_CHECK(h == 0, op, ": ", what, " given but this configuration keeps none");
    return nullptr;
  }
  JDNN_CHECK(h != 0, op, ": ", what, " is required by this configuration");
  Tensor& s = tensor_ref(h);
  check_state(op, p, s, what);
  return &s;
}

void check_step(const char* op, int64_t step) { JDNN_CHECK(step >= 1, op, ": step must be >= 1, got ", step); }

void adam_family(const char* op, bool decoupled, int64_t param, int64_t grad, int64_t m, int64_t v,
                 int64_t v_max, double lr, double beta1, double beta2, double eps, double weight_decay,
                 bool amsgrad, int64_t step) {
  const ApiCall call;
  Tensor &p = tensor_ref(param), &ms = tensor_ref(m), &vs = tensor_ref(v);
  const Tensor& g = tensor_ref(grad);
  check_state(op, p, g, "gradient");
  check_state(op, p, ms, "first moment");
  check_state(op, p, vs, "second moment");
  Tensor* mx = optional_state(op, p, v_max, amsgrad, "AMSGrad maximum");
  check_step(op, step);
  backend_of(p).adam(p, g, ms, vs, mx, lr, beta1, beta2, eps, weight_decay, step, decoupled);
}
}  // namespace

void optim_sgd(int64_t param, int64_t grad, int64_t buf, double lr, double momentum, double dampening,
               double weight_decay, bool nesterov, bool first) {
  const ApiCall call;
  Tensor& p = tensor_ref(param);
  const Tensor& g = tensor_ref(grad);
  check_state("sgd", p, g, "gradient");
  Tensor* b = optional_state("sgd", p, buf, momentum != 0, "momentum buffer");
  backend_of(p).sgd(p, g, b, lr, momentum, dampening, weight_decay, nesterov, first);
}

void optim_adagrad(int64_t param, int64_t grad, int64_t sum, double lr, double lr_decay, double eps,
                   double weight_decay, int64_t step) {
  const ApiCall call;
  Tensor &p = tensor_ref(param), &s = tensor_ref(sum);
  const Tensor& g = tensor_ref(grad);
  check_state("adagrad", p, g, "gradient");
  check_state("adagrad", p, s, "sum of squares");
  check_step("adagrad", step);
  backend_of(p).adagrad(p, g, s, lr, lr_decay, eps, weight_decay, step);
}

void optim_rmsprop(int64_t param, int64_t grad, int64_t square_avg, int64_t grad_avg, int64_t buf,
                   double lr, double alpha, double eps, double weight_decay, double momentum,
                   bool centered) {
  const ApiCall call;
  Tensor &p = tensor_ref(param), &sq = tensor_ref(square_avg);
  const Tensor& g = tensor_ref(grad);
  check_state("rmsprop", p, g, "gradient");
  check_state("rmsprop", p, sq, "square average");
  Tensor* ga = optional_state("rmsprop", p, grad_avg, centered, "gradient average");
  Tensor* b = optional_state("rmsprop", p, buf, momentum > 0, "momentum buffer");
  backend_of(p).rmsprop(p, g, sq, ga, b, lr, alpha, eps, weight_decay, momentum);
}

void optim_adam(int64_t param, int64_t grad, int64_t m, int64_t v, int64_t v_max, double lr,
                double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                int64_t step) {
  adam_family("adam", false, param, grad, m, v, v_max, lr, beta1, beta2, eps, weight_decay, amsgrad,
              step);
}

void optim_adamw(int64_t param, int64_t grad, int64_t m, int64_t v, int64_t v_max, double lr,
                 double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                 int64_t step) {
  adam_family("adamw", true, param, grad, m, v, v_max, lr, beta1, beta2, eps, weight_decay, amsgrad,
              step);
}

void optim_clip_value(int64_t grad, double limit) {
  const ApiCall call;
  Tensor& g = tensor_ref(grad);
  require_float("clip_value", g, "gradient");
  JDNN_CHECK(limit >= 0, "clip_value: limit must be >= 0, got ", limit);
  backend_of(g).clip_value(g, limit);
}

// ---- random numbers -------------------------------------------------------------

void random_uniform(int64_t h, double low, double high, uint64_t seed, uint64_t offset) {
  const ApiCall call;
  Tensor& t = tensor_ref(h);
  require_float("random_uniform", t, "output");
  JDNN_CHECK(low < high, "random_uniform: low ", low, " must be below high ", high);
  backend_of(t).random_uniform(t, low, high, seed, offset);
}

void random_normal(int64_t h, double mean, double std, uint64_t seed, uint64_t offset) {
  const ApiCall call;
  Tensor& t = tensor_ref(h);
  require_float("random_normal", t, "output");
  JDNN_CHECK(std >= 0, "random_normal: std must be >= 0, got ", std);
  backend_of(t).random_normal(t, mean, std, seed, offset);
}

}  // namespace jdnn
