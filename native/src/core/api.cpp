// The facade: checks what native code needs to stay memory-safe, then
// dispatches to the backend of the tensors' device.
#include <algorithm>
#include <cstring>

#include "core/allocator.h"
#include "core/backend.h"
#include "core/tensor.h"
#include "cpu/gemm.h"
#include "cpu/thread_pool.h"
#include "jdnn/jdnn.h"

namespace jdnn {

namespace {

Backend& backend_of(const Tensor& t) { return backend_for(t.device); }

void require_shape_equal(const char* op, const Tensor& a, const Tensor& b) {
  JDNN_CHECK(a.shape == b.shape, op, ": shapes differ: ", a.describe(), " vs ", b.describe());
}

void require_range(const char* op, const Tensor& t, int64_t offset, int64_t n) {
  JDNN_CHECK(offset >= 0 && n >= 0 && offset <= t.numel && n <= t.numel - offset, op,
             ": range [", offset, ", ", offset, " + ", n, ") is outside ", t.describe());
}

template <class Host>
void write_host(const char* op, int dtype, int64_t h, const Host* src, int64_t offset, int64_t n) {
  Tensor& t = tensor_ref(h);
  JDNN_CHECK(t.dtype == dtype, op, ": tensor is ", t.describe(), ", host data is ", dtype_name(dtype));
  require_range(op, t, offset, n);
  JDNN_CHECK(src != nullptr || n == 0, op, ": null source");
  const size_t size = dtype_size(dtype);
  if (n > 0) backend_of(t).copy_from_host(t, src, offset * size, n * size);
}

template <class Host>
void read_host(const char* op, int dtype, int64_t h, Host* dst, int64_t offset, int64_t n) {
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
  dtype_size(dtype);  // validates the code
  JDNN_CHECK(shape != nullptr || ndim == 0, "tensor_new: null shape");
  const int64_t numel = shape_numel(shape, ndim);
  JDNN_CHECK(numel <= (int64_t(1) << 40), "tensor_new: ", numel, " elements is more than jdnn allows");
  auto t = std::make_unique<Tensor>();
  t->dtype = dtype;
  t->device = device;
  t->shape.assign(shape, shape + ndim);
  t->numel = numel;
  backend_for(device);  // fails early, naming the device, when its backend is absent
  t->storage = std::make_shared<Storage>(device, numel * dtype_size(dtype));
  return reinterpret_cast<int64_t>(t.release());
}

int64_t tensor_view(int64_t h, const int64_t* shape, int ndim) {
  const Tensor& src = tensor_ref(h);
  const int64_t numel = shape_numel(shape, ndim);
  std::vector<int64_t> dims(shape, shape + ndim);
  JDNN_CHECK(numel == src.numel, "view: cannot view ", src.describe(), " as ", shape_string(dims),
             " (", src.numel, " vs ", numel, " elements)");
  auto t = std::make_unique<Tensor>(src);
  t->shape = std::move(dims);
  return reinterpret_cast<int64_t>(t.release());
}

void tensor_free(int64_t h) {
  if (h == 0) return;
  Tensor* t = &tensor_ref(h);
  t->magic = 0;
  delete t;
}

int tensor_dtype(int64_t h) { return tensor_ref(h).dtype; }
int tensor_device(int64_t h) { return tensor_ref(h).device; }
int64_t tensor_numel(int64_t h) { return tensor_ref(h).numel; }

void tensor_write_f32(int64_t h, const float* s, int64_t o, int64_t n) { write_host("write", DT_F32, h, s, o, n); }
void tensor_write_f64(int64_t h, const double* s, int64_t o, int64_t n) { write_host("write", DT_F64, h, s, o, n); }
void tensor_write_i32(int64_t h, const int32_t* s, int64_t o, int64_t n) { write_host("write", DT_I32, h, s, o, n); }
void tensor_write_i64(int64_t h, const int64_t* s, int64_t o, int64_t n) { write_host("write", DT_I64, h, s, o, n); }
void tensor_write_u8(int64_t h, const uint8_t* s, int64_t o, int64_t n) { write_host("write", DT_U8, h, s, o, n); }
void tensor_read_f32(int64_t h, float* d, int64_t o, int64_t n) { read_host("read", DT_F32, h, d, o, n); }
void tensor_read_f64(int64_t h, double* d, int64_t o, int64_t n) { read_host("read", DT_F64, h, d, o, n); }
void tensor_read_i32(int64_t h, int32_t* d, int64_t o, int64_t n) { read_host("read", DT_I32, h, d, o, n); }
void tensor_read_i64(int64_t h, int64_t* d, int64_t o, int64_t n) { read_host("read", DT_I64, h, d, o, n); }
void tensor_read_u8(int64_t h, uint8_t* d, int64_t o, int64_t n) { read_host("read", DT_U8, h, d, o, n); }

void tensor_fill(int64_t h, double value) {
  Tensor& t = tensor_ref(h);
  backend_of(t).fill(t, value);
}

void tensor_copy(int64_t src, int64_t dst) {
  const Tensor& s = tensor_ref(src);
  Tensor& d = tensor_ref(dst);
  require_same_device("copy", s, d);
  require_same_numel("copy", s, d);
  backend_of(d).convert(s, d);
}

void tensor_gather_rows(int64_t src, int64_t index, int64_t dst) {
  const Tensor &s = tensor_ref(src), &i = tensor_ref(index);
  Tensor& d = tensor_ref(dst);
  JDNN_CHECK(s.ndim() >= 1, "gather_rows: source must have a row dimension, got ", s.describe());
  JDNN_CHECK(i.dtype == DT_I32 || i.dtype == DT_I64, "gather_rows: index must be int32 or int64, got ",
             i.describe());
  require_same_dtype("gather_rows", s, d);
  require_same_device("gather_rows", s, d);
  require_same_device("gather_rows", s, i);
  const int64_t row = s.shape[0] == 0 ? 0 : s.numel / s.shape[0];
  JDNN_CHECK(d.numel == i.numel * row, "gather_rows: destination ", d.describe(), " must hold ",
             i.numel, " rows of ", row);
  backend_of(d).gather_rows(s, i, d);
}

// ---- memory and threads -------------------------------------------------------

int64_t memory_bytes_in_use(int device) { return allocator_for(device).bytes_in_use(); }
int64_t memory_bytes_cached(int device) { return allocator_for(device).bytes_cached(); }
void memory_release_cached(int device) { allocator_for(device).release_cached(); }
int cpu_num_threads() { return cpu::num_threads(); }
void cpu_set_num_threads(int n) { cpu::set_num_threads(n); }
const char* cpu_gemm_kernel() { return cpu::sgemm_kernel_name(); }

// ---- ops ----------------------------------------------------------------------

void op_unary(int op, int64_t x, int64_t y, double alpha) {
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  require_float("unary", xs, "input");
  require_same_dtype("unary", xs, ys);
  require_same_device("unary", xs, ys);
  require_same_numel("unary", xs, ys);
  backend_of(xs).unary(op, xs, ys, alpha);
}

void op_unary_backward(int op, int64_t x, int64_t y, int64_t dy, int64_t dx, double alpha) {
  const Tensor &xs = tensor_ref(x), &ys = tensor_ref(y), &dys = tensor_ref(dy);
  Tensor& dxs = tensor_ref(dx);
  require_float("unary_backward", xs, "input");
  for (const Tensor* t : {&ys, &dys, static_cast<const Tensor*>(&dxs)}) {
    require_same_dtype("unary_backward", xs, *t);
    require_same_device("unary_backward", xs, *t);
    require_same_numel("unary_backward", xs, *t);
  }
  backend_of(xs).unary_backward(op, xs, ys, dys, dxs, alpha);
}

void op_binary(int op, int64_t a, int64_t b, int64_t out) {
  const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
  Tensor& os = tensor_ref(out);
  require_float("binary", os, "output");
  require_same_dtype("binary", as, os);
  require_same_dtype("binary", bs, os);
  require_same_device("binary", as, os);
  require_same_device("binary", bs, os);
  require_broadcastable("binary", as, os);
  require_broadcastable("binary", bs, os);
  backend_of(os).binary(op, as, bs, os);
}

void op_matmul(int64_t a, int64_t b, int64_t c, bool ta, bool tb, double alpha, double beta) {
  const Tensor &as = tensor_ref(a), &bs = tensor_ref(b);
  Tensor& cs = tensor_ref(c);
  JDNN_CHECK(as.ndim() == 2 && bs.ndim() == 2 && cs.ndim() == 2, "matmul: operands must be 2-D, got ",
             as.describe(), ", ", bs.describe(), ", ", cs.describe());
  require_float("matmul", cs, "output");
  require_same_dtype("matmul", as, cs);
  require_same_dtype("matmul", bs, cs);
  require_same_device("matmul", as, cs);
  require_same_device("matmul", bs, cs);
  const int64_t m = ta ? as.dim(1) : as.dim(0), k = ta ? as.dim(0) : as.dim(1);
  const int64_t kb = tb ? bs.dim(1) : bs.dim(0), n = tb ? bs.dim(0) : bs.dim(1);
  JDNN_CHECK(k == kb, "matmul: inner dimensions differ: ", k, " vs ", kb, " (", as.describe(), " x ",
             bs.describe(), ")");
  JDNN_CHECK(cs.dim(0) == m && cs.dim(1) == n, "matmul: output ", cs.describe(), " must be [", m, ", ",
             n, "]");
  backend_of(cs).matmul(as, bs, cs, ta, tb, alpha, beta);
}

void op_linear(int64_t x, int64_t w, int64_t bias, int64_t y) {
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
    require_same_dtype("linear", xs, *t);
    require_same_device("linear", xs, *t);
  }
  if (bs != nullptr) {
    JDNN_CHECK(bs->ndim() == 1 && bs->dim(0) == ws.dim(0), "linear: bias ", bs->describe(), " must be [",
               ws.dim(0), "]");
    require_same_dtype("linear", xs, *bs);
    require_same_device("linear", xs, *bs);
  }
  backend_of(xs).linear(xs, ws, bs, ys);
}

void op_sum_to(int64_t x, int64_t y) {
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  require_float("sum_to", xs, "input");
  require_same_dtype("sum_to", xs, ys);
  require_same_device("sum_to", xs, ys);
  require_broadcastable("sum_to", ys, xs);
  backend_of(xs).sum_to(xs, ys);
}

void op_argmax_last(int64_t x, int64_t out) {
  const Tensor& xs = tensor_ref(x);
  Tensor& os = tensor_ref(out);
  require_float("argmax", xs, "input");
  JDNN_CHECK(xs.ndim() >= 1 && xs.dim(-1) > 0, "argmax: input needs a non-empty last dimension, got ",
             xs.describe());
  JDNN_CHECK(os.dtype == DT_I64 && os.numel == xs.numel / xs.dim(-1), "argmax: output ", os.describe(),
             " must be int64 with ", xs.numel / xs.dim(-1), " elements");
  require_same_device("argmax", xs, os);
  backend_of(xs).argmax_last(xs, os);
}

void op_softmax(int64_t x, int64_t y, bool log) {
  const Tensor& xs = tensor_ref(x);
  Tensor& ys = tensor_ref(y);
  require_float("softmax", xs, "input");
  JDNN_CHECK(xs.ndim() >= 1, "softmax: input must have at least one dimension, got ", xs.describe());
  require_same_dtype("softmax", xs, ys);
  require_same_device("softmax", xs, ys);
  require_shape_equal("softmax", xs, ys);
  backend_of(xs).softmax(xs, ys, log);
}

void op_softmax_backward(int64_t y, int64_t dy, int64_t dx, bool log) {
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
  JDNN_CHECK(labels.dtype == DT_I32 || labels.dtype == DT_I64, op, ": labels must be int32 or int64, got ",
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
  const Tensor &x = tensor_ref(logits), &l = tensor_ref(labels);
  Tensor &out = tensor_ref(loss), &p = tensor_ref(probs);
  check_cross_entropy("cross_entropy", x, l, out, p);
  backend_of(x).cross_entropy(x, l, out, p);
}

void op_cross_entropy_backward(int64_t probs, int64_t labels, int64_t dloss, int64_t dlogits) {
  const Tensor &p = tensor_ref(probs), &l = tensor_ref(labels), &d = tensor_ref(dloss);
  Tensor& dx = tensor_ref(dlogits);
  check_cross_entropy("cross_entropy_backward", p, l, d, dx);
  backend_of(p).cross_entropy_backward(p, l, d, dx);
}

void op_point_loss(int op, int64_t x, int64_t t, int64_t out) {
  const Tensor &xs = tensor_ref(x), &ts = tensor_ref(t);
  Tensor& os = tensor_ref(out);
  require_float("point_loss", xs, "input");
  for (const Tensor* u : {&ts, static_cast<const Tensor*>(&os)}) {
    require_same_dtype("point_loss", xs, *u);
    require_same_device("point_loss", xs, *u);
    require_same_numel("point_loss", xs, *u);
  }
  backend_of(xs).point_loss(op, xs, ts, os);
}

void op_point_loss_backward(int op, int64_t x, int64_t t, int64_t dy, int64_t dx) {
  const Tensor &xs = tensor_ref(x), &ts = tensor_ref(t), &dys = tensor_ref(dy);
  Tensor& dxs = tensor_ref(dx);
  require_float("point_loss_backward", xs, "input");
  for (const Tensor* u : {&ts, &dys, static_cast<const Tensor*>(&dxs)}) {
    require_same_dtype("point_loss_backward", xs, *u);
    require_same_device("point_loss_backward", xs, *u);
    require_same_numel("point_loss_backward", xs, *u);
  }
  backend_of(xs).point_loss_backward(op, xs, ts, dys, dxs);
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
  Tensor& p = tensor_ref(param);
  const Tensor& g = tensor_ref(grad);
  check_state("sgd", p, g, "gradient");
  Tensor* b = optional_state("sgd", p, buf, momentum != 0, "momentum buffer");
  backend_of(p).sgd(p, g, b, lr, momentum, dampening, weight_decay, nesterov, first);
}

void optim_adagrad(int64_t param, int64_t grad, int64_t sum, double lr, double lr_decay, double eps,
                   double weight_decay, int64_t step) {
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
  Tensor& g = tensor_ref(grad);
  require_float("clip_value", g, "gradient");
  JDNN_CHECK(limit >= 0, "clip_value: limit must be >= 0, got ", limit);
  backend_of(g).clip_value(g, limit);
}

// ---- random numbers -------------------------------------------------------------

void random_uniform(int64_t h, double low, double high, uint64_t seed, uint64_t offset) {
  Tensor& t = tensor_ref(h);
  require_float("random_uniform", t, "output");
  JDNN_CHECK(low < high, "random_uniform: low ", low, " must be below high ", high);
  backend_of(t).random_uniform(t, low, high, seed, offset);
}

void random_normal(int64_t h, double mean, double std, uint64_t seed, uint64_t offset) {
  Tensor& t = tensor_ref(h);
  require_float("random_normal", t, "output");
  JDNN_CHECK(std >= 0, "random_normal: std must be >= 0, got ", std);
  backend_of(t).random_normal(t, mean, std, seed, offset);
}

}  // namespace jdnn
