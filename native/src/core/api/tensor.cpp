// Facade: tensors (create, view, close, query) and their host copies.
#include <memory>
#include <string>
#include <vector>

#include "core/api/checks.h"

namespace jdnn {

namespace {

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

}  // namespace

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

}  // namespace jdnn
