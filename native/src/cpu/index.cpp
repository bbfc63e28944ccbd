// index_select / index_add along one dim and gather / scatter_add on the CPU backend (CUDA twin:
// cuda/index.cu). Every index is checked before anything is written, so a bad index fails with an
// index error naming the first one and leaves the output as it was. The adds run in index order,
// so repeated indices accumulate in a fixed order.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/strided.h"

namespace jdnn::cpu {
namespace {

int64_t index_at(const Tensor& index, int64_t p) {
  return index.dtype == DType::INT32 ? index.data<int32_t>()[p] : index.data<int64_t>()[p];
}

// Every index value lies in [0, size) of dimension dim; the message is CUDA's (cuda/device_errors.cu).
void check_indices(const char* op, const Tensor& index, int64_t size, int dim) {
  for (int64_t p = 0; p < index.numel; ++p) {
    const int64_t v = index_at(index, p);
    JDNN_CHECK_AS(ErrorKind::INDEX, v >= 0 && v < size, op, ": index ", v, " at position ", p, " is outside [0, ",
                  size, ") of dimension ", dim);
  }
}

// t viewed as (outer, t.shape[dim], inner).
void split_at(const Tensor& t, int dim, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int d = 0; d < dim; ++d) outer *= t.shape[d];
  for (int d = dim + 1; d < t.ndim(); ++d) inner *= t.shape[d];
}

template <class T>
void index_add_typed(const Tensor& src, int dim, const Tensor& index, Tensor& dst) {
  int64_t outer, inner;
  split_at(dst, dim, outer, inner);
  const int64_t rows_dst = dst.shape[dim], k = index.numel;
  const T* s = src.data<T>();
  T* d = dst.data<T>();
  // Outer slices are independent; within one, rows are added in index order.
  parallel_for(outer, 1, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      for (int64_t j = 0; j < k; ++j) {
        T* to = d + (o * rows_dst + index_at(index, j)) * inner;
        const T* from = s + (o * k + j) * inner;
        for (int64_t i = 0; i < inner; ++i) to[i] += from[i];
      }
    }
  });
}

template <class Word>
void gather_words(const Tensor& x, int dim, const Tensor& index, Tensor& y) {
  const kernels::StridedGeom g = kernels::index_geom(index.shape.data(), x.shape.data(), x.ndim(), dim, true);
  int64_t outer, inner;
  split_at(x, dim, outer, inner);
  const Word* xs = static_cast<const Word*>(x.storage->data);
  Word* ys = static_cast<Word*>(y.storage->data);
  parallel_for(y.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) ys[p] = xs[kernels::strided_offset(g, p) + index_at(index, p) * inner];
  });
}

template <class T>
void scatter_add_typed(const Tensor& src, int dim, const Tensor& index, Tensor& dst) {
  const int r = dst.ndim();
  const kernels::StridedGeom gd = kernels::index_geom(index.shape.data(), dst.shape.data(), r, dim, true);
  const kernels::StridedGeom gs = kernels::index_geom(index.shape.data(), src.shape.data(), r, dim, false);
  int64_t outer, inner;
  split_at(dst, dim, outer, inner);
  const T* s = src.data<T>();
  T* d = dst.data<T>();
  for (int64_t p = 0; p < index.numel; ++p)
    d[kernels::strided_offset(gd, p) + index_at(index, p) * inner] += s[kernels::strided_offset(gs, p)];
}

}  // namespace

void CpuBackend::index_select(const Tensor& x, int dim, const Tensor& index, Tensor& y) {
  check_indices("index_select", index, x.shape[dim], dim);
  int64_t outer, inner;
  split_at(x, dim, outer, inner);
  const int64_t rows = x.shape[dim], k = index.numel;
  const size_t row_bytes = inner * dtype_size(x.dtype);
  if (row_bytes == 0) return;
  const char* xs = static_cast<const char*>(x.storage->data);
  char* ys = static_cast<char*>(y.storage->data);
  parallel_for(outer * k, std::max<int64_t>(1, kElementwiseGrain / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / k, j = r - o * k;
      std::memcpy(ys + r * row_bytes, xs + (o * rows + index_at(index, j)) * row_bytes, row_bytes);
    }
  });
}

void CpuBackend::index_add(const Tensor& src, int dim, const Tensor& index, Tensor& dst) {
  check_indices("index_add", index, dst.shape[dim], dim);
  with_float_type(dst.dtype, [&](auto zero) { index_add_typed<decltype(zero)>(src, dim, index, dst); });
}

void CpuBackend::gather(const Tensor& x, int dim, const Tensor& index, Tensor& y) {
  check_indices("gather", index, x.shape[dim], dim);
  switch (dtype_size(x.dtype)) {
    case 1: gather_words<uint8_t>(x, dim, index, y); break;
    case 2: gather_words<uint16_t>(x, dim, index, y); break;
    case 4: gather_words<uint32_t>(x, dim, index, y); break;
    default: gather_words<uint64_t>(x, dim, index, y); break;
  }
}

void CpuBackend::scatter_add(const Tensor& src, int dim, const Tensor& index, Tensor& dst) {
  check_indices("scatter_add", index, dst.shape[dim], dim);
  with_float_type(dst.dtype, [&](auto zero) { scatter_add_typed<decltype(zero)>(src, dim, index, dst); });
}

}  // namespace jdnn::cpu
