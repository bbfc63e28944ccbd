#include <cstring>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "jdnn/jdnn.h"

namespace jdnn::cpu {

namespace {
// Registered when libjdnn loads: the CPU backend is always present.
struct Registration {
  Registration() {
    static CpuBackend backend;
    register_backend(DEV_CPU, &backend);
  }
} registration;

template <class T>
const T* typed(const Tensor& t) { return t.data<T>(); }

// Applies f to (src element, dst element) for every dtype pair.
template <class Dst>
void convert_into(const Tensor& src, Dst* dst) {
  const int64_t n = src.numel;
  switch (src.dtype) {
    case DT_F32: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(typed<float>(src)[i]); break;
    case DT_F64: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(typed<double>(src)[i]); break;
    case DT_I32: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(typed<int32_t>(src)[i]); break;
    case DT_I64: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(typed<int64_t>(src)[i]); break;
    case DT_U8: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(typed<uint8_t>(src)[i]); break;
    default: fail("convert: unknown source dtype ", src.dtype);
  }
}

template <class T>
void fill_typed(Tensor& t, T value) {
  T* p = t.data<T>();
  parallel_for(t.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = value;
  });
}
}  // namespace

void CpuBackend::copy_from_host(Tensor& dst, const void* src, size_t byte_offset, size_t bytes) {
  std::memcpy(static_cast<char*>(dst.storage->data) + byte_offset, src, bytes);
}

void CpuBackend::copy_to_host(const Tensor& src, void* dst, size_t byte_offset, size_t bytes) {
  std::memcpy(dst, static_cast<const char*>(src.storage->data) + byte_offset, bytes);
}

void CpuBackend::fill(Tensor& t, double value) {
  switch (t.dtype) {
    case DT_F32: fill_typed<float>(t, static_cast<float>(value)); break;
    case DT_F64: fill_typed<double>(t, value); break;
    case DT_I32: fill_typed<int32_t>(t, static_cast<int32_t>(value)); break;
    case DT_I64: fill_typed<int64_t>(t, static_cast<int64_t>(value)); break;
    case DT_U8: fill_typed<uint8_t>(t, static_cast<uint8_t>(value)); break;
    default: fail("fill: unknown dtype ", t.dtype);
  }
}

// Wraps around on overflow (two's complement) instead of signed-overflow UB, as the CUDA kernel does.
void CpuBackend::add_int(Tensor& t, int64_t delta) {
  const auto d = static_cast<uint64_t>(delta);
  if (t.dtype == DT_I32) {
    int32_t* p = t.data<int32_t>();
    for (int64_t i = 0; i < t.numel; ++i) p[i] = static_cast<int32_t>(static_cast<uint32_t>(p[i]) + static_cast<uint32_t>(d));
  } else {
    int64_t* p = t.data<int64_t>();
    for (int64_t i = 0; i < t.numel; ++i) p[i] = static_cast<int64_t>(static_cast<uint64_t>(p[i]) + d);
  }
}

void CpuBackend::convert(const Tensor& src, Tensor& dst) {
  if (src.dtype == dst.dtype) {
    std::memcpy(dst.storage->data, src.storage->data, src.numel * dtype_size(src.dtype));
    return;
  }
  switch (dst.dtype) {
    case DT_F32: convert_into(src, dst.data<float>()); break;
    case DT_F64: convert_into(src, dst.data<double>()); break;
    case DT_I32: convert_into(src, dst.data<int32_t>()); break;
    case DT_I64: convert_into(src, dst.data<int64_t>()); break;
    case DT_U8: convert_into(src, dst.data<uint8_t>()); break;
    default: fail("convert: unknown destination dtype ", dst.dtype);
  }
}

void CpuBackend::gather_rows(const Tensor& src, const Tensor& index, Tensor& dst) {
  const int64_t rows = src.shape.empty() ? 1 : src.shape[0];
  const int64_t row_bytes = rows == 0 ? 0 : src.numel / rows * dtype_size(src.dtype);
  const char* s = static_cast<const char*>(src.storage->data);
  char* d = static_cast<char*>(dst.storage->data);
  for (int64_t i = 0; i < index.numel; ++i) {
    const int64_t r = index.dtype == DT_I32 ? index.data<int32_t>()[i] : index.data<int64_t>()[i];
    JDNN_CHECK(r >= 0 && r < rows, "gather_rows: index ", r, " at position ", i,
               " is outside [0, ", rows, ")");
    std::memcpy(d + i * row_bytes, s + r * row_bytes, row_bytes);
  }
}

}  // namespace jdnn::cpu
