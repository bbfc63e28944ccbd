#include <cstring>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/half.h"

namespace jdnn::cpu {

namespace {

// float32 <-> bfloat16 over a range; branch-free per element, so the loops vectorize, 16 wide in the
// AVX-512 clones (picked at load time where the CPU has AVX-512). The rounding is kernels/bf16.h's either way.
__attribute__((target_clones("avx512f", "default")))
void floats_to_bf16(const float* s, uint16_t* d, int64_t b, int64_t e) {
  for (int64_t i = b; i < e; ++i) d[i] = kernels::float_to_bf16(s[i]);
}

__attribute__((target_clones("avx512f", "default")))
void bf16_to_floats(const uint16_t* s, float* d, int64_t b, int64_t e) {
  for (int64_t i = b; i < e; ++i) d[i] = kernels::bf16_to_float(s[i]);
}
// dst[i] = src[i] converted, for every pair of dtypes.
template <class Dst>
void convert_into(const Tensor& src, Dst* dst) {
  with_dtype(src.dtype, [&](auto zero) {
    using Src = decltype(zero);
    const Src* s = src.data<Src>();
    for (int64_t i = 0; i < src.numel; ++i) dst[i] = static_cast<Dst>(s[i]);
  });
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
  with_dtype(t.dtype, [&](auto zero) {
    using T = decltype(zero);
    fill_typed<T>(t, static_cast<T>(value));
  });
}

// Wraps around on overflow (two's complement) instead of signed-overflow UB, as the CUDA kernel does.
void CpuBackend::add_int(Tensor& t, int64_t delta) {
  const auto d = static_cast<uint64_t>(delta);
  if (t.dtype == DType::INT32) {
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
  // float32 <-> bfloat16, autocast's casts: plain loops over 16/32-bit words that vectorize, on every thread.
  if (src.dtype == DType::FLOAT32 && dst.dtype == DType::BFLOAT16) {
    const float* s = src.data<float>();
    uint16_t* d = static_cast<uint16_t*>(dst.storage->data);
    parallel_for(src.numel, kElementwiseGrain, [&](int64_t b, int64_t e) { floats_to_bf16(s, d, b, e); });
    return;
  }
  if (src.dtype == DType::BFLOAT16 && dst.dtype == DType::FLOAT32) {
    const uint16_t* s = static_cast<const uint16_t*>(src.storage->data);
    float* d = dst.data<float>();
    parallel_for(src.numel, kElementwiseGrain, [&](int64_t b, int64_t e) { bf16_to_floats(s, d, b, e); });
    return;
  }
  with_dtype(dst.dtype, [&](auto zero) { convert_into(src, dst.data<decltype(zero)>()); });
}

namespace {

// dst's rows are src's rows index[first], index[first + 1], ... (dst's row count of them).
void gather_from(const Tensor& src, const Tensor& index, int64_t first, Tensor& dst) {
  const int64_t rows = src.shape.empty() ? 1 : src.shape[0];
  const int64_t row_bytes = rows == 0 ? 0 : src.numel / rows * dtype_size(src.dtype);
  const int64_t count = row_bytes == 0 ? (dst.shape.empty() ? 0 : dst.shape[0]) : dst.numel * dtype_size(dst.dtype) / row_bytes;
  const char* s = static_cast<const char*>(src.storage->data);
  char* d = static_cast<char*>(dst.storage->data);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t k = first + i;
    const int64_t r = index.dtype == DType::INT32 ? index.data<int32_t>()[k] : index.data<int64_t>()[k];
    JDNN_CHECK_AS(ErrorKind::INDEX, r >= 0 && r < rows, "gather_rows: index ", r, " at position ", i,
               " is outside [0, ", rows, ")");
    std::memcpy(d + i * row_bytes, s + r * row_bytes, row_bytes);
  }
}

}  // namespace

void CpuBackend::gather_rows(const Tensor& src, const Tensor& index, Tensor& dst) {
  const int64_t rows = src.shape.empty() ? 1 : src.shape[0];
  const int64_t row_bytes = rows == 0 ? 0 : src.numel / rows * dtype_size(src.dtype);
  const char* s = static_cast<const char*>(src.storage->data);
  char* d = static_cast<char*>(dst.storage->data);
  for (int64_t i = 0; i < index.numel; ++i) {
    const int64_t r = index.dtype == DType::INT32 ? index.data<int32_t>()[i] : index.data<int64_t>()[i];
    JDNN_CHECK_AS(ErrorKind::INDEX, r >= 0 && r < rows, "gather_rows: index ", r, " at position ", i,
               " is outside [0, ", rows, ")");
    std::memcpy(d + i * row_bytes, s + r * row_bytes, row_bytes);
  }
}

// Two gathers by one index; the first source's pass checks every index, as its own gather would.
void CpuBackend::gather_rows_pair(const Tensor& src_a, const Tensor& src_b, const Tensor& index, Tensor& dst_a,
                                  Tensor& dst_b) {
  gather_rows(src_a, index, dst_a);
  gather_rows(src_b, index, dst_b);
}

// The cursor moves even when the batch runs past the order (then nothing is gathered), as on a GPU.
void CpuBackend::gather_rows_next(const Tensor& src_a, const Tensor& src_b, const Tensor& order, Tensor& cursor,
                                  Tensor& dst_a, Tensor& dst_b) {
  int64_t& c = *cursor.data<int64_t>();
  const int64_t start = c, rows = dst_a.shape[0];
  c = start + rows;
  JDNN_CHECK_AS(ErrorKind::INDEX, start >= 0 && start + rows <= order.numel, "gather_rows_next: the batch of ",
                rows, " rows at cursor ", start, " runs past the order's ", order.numel,
                " rows; reset the cursor to 0 at each epoch");
  gather_from(src_a, order, start, dst_a);
  gather_from(src_b, order, start, dst_b);
}

}  // namespace jdnn::cpu
