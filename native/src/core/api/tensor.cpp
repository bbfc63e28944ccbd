// Facade: tensors (create, view, close, query) and their host copies.
#include <memory>
#include <string>
#include <vector>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {

// Copies n elements between host memory of the tensor's own element type and the tensor, starting
// at element `offset` of the tensor.
template <class Host>
int write_host(DType dtype, int64_t h, const Host* src, int64_t offset, int64_t n) noexcept {
  return status_of([&] {
    Tensor& t = tensor_ref(h);
    JDNN_CHECK(t.dtype == dtype, "write: tensor is ", t.describe(), ", host data is ", dtype_name(dtype));
    require_range("write", t, offset, n);
    JDNN_CHECK(src != nullptr || n == 0, "write: null source");
    const size_t size = dtype_size(dtype);
    if (n > 0) backend_of(t).copy_from_host(t, src, offset * size, n * size);
  });
}

template <class Host>
int read_host(DType dtype, int64_t h, Host* dst, int64_t offset, int64_t n) noexcept {
  return status_of([&] {
    const Tensor& t = tensor_ref(h);
    JDNN_CHECK(t.dtype == dtype, "read: tensor is ", t.describe(), ", host buffer is ", dtype_name(dtype));
    require_range("read", t, offset, n);
    JDNN_CHECK(dst != nullptr || n == 0, "read: null destination");
    const size_t size = dtype_size(dtype);
    if (n > 0) backend_of(t).copy_to_host(t, dst, offset * size, n * size);
  });
}

}  // namespace

namespace {

// tensor_new's body, shared with tensor_new_dims; throws on failure.
int64_t create_tensor(int dtype, int device, const int64_t* shape, int ndim) {
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

}  // namespace

int64_t tensor_new(int dtype, int device, const int64_t* shape, int ndim) noexcept {
  return value_or<int64_t>(0, [&] { return create_tensor(dtype, device, shape, ndim); });
}

int64_t tensor_new_dims(int dtype, int device, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3) noexcept {
  const int64_t dims[4] = {d0, d1, d2, d3};
  return value_or<int64_t>(0, [&] {
    JDNN_CHECK(ndim <= 4, "tensor_new_dims: rank ", ndim, " is more than the 4 dimensions it takes; use tensor_new");
    return create_tensor(dtype, device, dims, ndim);
  });
}

int64_t tensor_view(int64_t h, const int64_t* shape, int ndim) noexcept {
  return value_or<int64_t>(0, [&] {
    const Tensor& src = tensor_ref(h);
    JDNN_CHECK(shape != nullptr || ndim == 0, "view: null shape");
    const int64_t numel = shape_numel(shape, ndim);
    std::vector<int64_t> dims(shape, shape + ndim);
    JDNN_CHECK(numel == src.numel, "view: cannot view ", src.describe(), " as ", shape_string(dims), " (", src.numel,
               " vs ", numel, " elements)");
    auto t = std::make_unique<Tensor>(src);
    t->shape = std::move(dims);
    return handle_create(std::move(t));
  });
}

int tensor_free(int64_t h) noexcept {
  return status_of([&] {
    if (h != 0) handle_close(h);
  });
}

int64_t tensor_live_handles() noexcept { return live_handles(); }

int tensor_dtype(int64_t h) noexcept {
  return value_or(-1, [&] { return static_cast<int>(tensor_ref(h).dtype); });
}
int tensor_device(int64_t h) noexcept {
  return value_or(-1, [&] { return static_cast<int>(tensor_ref(h).device); });
}
int64_t tensor_numel(int64_t h) noexcept {
  return value_or<int64_t>(-1, [&] { return tensor_ref(h).numel; });
}

int tensor_write_f32(int64_t h, const float* s, int64_t o, int64_t n) noexcept {
  return write_host(DType::FLOAT32, h, s, o, n);
}
int tensor_write_f64(int64_t h, const double* s, int64_t o, int64_t n) noexcept {
  return write_host(DType::FLOAT64, h, s, o, n);
}
int tensor_write_i32(int64_t h, const int32_t* s, int64_t o, int64_t n) noexcept {
  return write_host(DType::INT32, h, s, o, n);
}
int tensor_write_i64(int64_t h, const int64_t* s, int64_t o, int64_t n) noexcept {
  return write_host(DType::INT64, h, s, o, n);
}
int tensor_write_u8(int64_t h, const uint8_t* s, int64_t o, int64_t n) noexcept {
  return write_host(DType::UINT8, h, s, o, n);
}
int tensor_read_f32(int64_t h, float* d, int64_t o, int64_t n) noexcept {
  return read_host(DType::FLOAT32, h, d, o, n);
}
int tensor_read_f64(int64_t h, double* d, int64_t o, int64_t n) noexcept {
  return read_host(DType::FLOAT64, h, d, o, n);
}
int tensor_read_i32(int64_t h, int32_t* d, int64_t o, int64_t n) noexcept {
  return read_host(DType::INT32, h, d, o, n);
}
int tensor_read_i64(int64_t h, int64_t* d, int64_t o, int64_t n) noexcept {
  return read_host(DType::INT64, h, d, o, n);
}
int tensor_read_u8(int64_t h, uint8_t* d, int64_t o, int64_t n) noexcept {
  return read_host(DType::UINT8, h, d, o, n);
}
// float16 and bfloat16 move as their 16-bit patterns: the host data is already in the tensor's type.
int tensor_write_u16(int64_t h, const uint16_t* s, int64_t o, int64_t n) noexcept {
  const DType t = value_or(DType::FLOAT16, [&] { return tensor_ref(h).dtype; });
  return write_host(t == DType::BFLOAT16 ? DType::BFLOAT16 : DType::FLOAT16, h, s, o, n);
}
int tensor_read_u16(int64_t h, uint16_t* d, int64_t o, int64_t n) noexcept {
  const DType t = value_or(DType::FLOAT16, [&] { return tensor_ref(h).dtype; });
  return read_host(t == DType::BFLOAT16 ? DType::BFLOAT16 : DType::FLOAT16, h, d, o, n);
}

// The float32 copies for JNI critical regions are the plain ones: no facade call throws.
int tensor_write_f32_critical(int64_t h, const float* s, int64_t o, int64_t n) noexcept {
  return write_host(DType::FLOAT32, h, s, o, n);
}
int tensor_read_f32_critical(int64_t h, float* d, int64_t o, int64_t n) noexcept {
  return read_host(DType::FLOAT32, h, d, o, n);
}

}  // namespace jdnn
