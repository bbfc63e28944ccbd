// index_select / index_add along one dim and gather / scatter_add on the CUDA backend (CPU twin:
// cpu/index.cpp), one thread per element moved or added. A bad index is recorded on the device
// (cuda/device_errors.h) and raised at the next synchronizing call, so no op waits to learn it;
// the element it would have moved is skipped. The adds are atomic: with repeated indices a float
// sum is taken in whatever order the threads run, so on a GPU it may differ from the CPU's in the
// last bits from run to run (the CPU adds in index order).
#include <cstdint>

#include "cuda/cuda_backend.h"
#include "cuda/device_errors.h"
#include "cuda/dispatch.h"
#include "kernels/strided.h"

namespace jdnn::cuda {

namespace {

// The (outer, rows, inner) view of a tensor along dim, and the index length k: element i of the
// k-row tensor is (o, j, c) with j its index position. `span` is inner, or 1 when rows are empty,
// so that every index is still read and checked once.
struct RowGeom {
  int64_t outer, k, rows, inner, span;
};

RowGeom row_geom(const Tensor& whole, int dim, const Tensor& index) {
  RowGeom g{1, index.numel, whole.shape[dim], 1, 1};
  for (int d = 0; d < dim; ++d) g.outer *= whole.shape[d];
  for (int d = dim + 1; d < whole.ndim(); ++d) g.inner *= whole.shape[d];
  if (g.outer == 0) g.inner = 0;  // nothing to move, but the indices are still checked, as on the CPU
  if (g.outer == 0) g.outer = 1;
  g.span = g.inner > 0 ? g.inner : 1;
  return g;
}

// Element i of the k-row tensor: its whole-tensor offset, or -1 after recording a bad index
// (recorded by the first element of the row only).
template <class Index>
__device__ __forceinline__ int64_t row_offset(int64_t i, const RowGeom& g, const Index* index,
                                              DeviceErrorRecord* errors, const ErrorSite& site) {
  const int64_t r = i / g.span, c = i - r * g.span;
  const int64_t o = r / g.k, j = r - o * g.k;
  const int64_t v = static_cast<int64_t>(index[j]);
  if (v < 0 || v >= g.rows) {
    if (c == 0) record_error(errors, site, j, v);
    return -1;
  }
  return c < g.inner ? (o * g.rows + v) * g.inner + c : -1;
}

template <class Word, class Index>
__global__ void index_select_kernel(const Word* x, const Index* index, Word* y, RowGeom g, DeviceErrorRecord* errors,
                                    ErrorSite site) {
  JDNN_KERNEL_LOOP(i, g.outer * g.k * g.span) {
    const int64_t from = row_offset(i, g, index, errors, site);
    if (from >= 0) y[i / g.span * g.inner + (i % g.span)] = x[from];
  }
}

template <class T, class Index>
__global__ void index_add_kernel(const T* src, const Index* index, T* dst, RowGeom g, DeviceErrorRecord* errors,
                                 ErrorSite site) {
  JDNN_KERNEL_LOOP(i, g.outer * g.k * g.span) {
    const int64_t to = row_offset(i, g, index, errors, site);
    if (to >= 0) atomicAdd(dst + to, src[i / g.span * g.inner + (i % g.span)]);
  }
}

// Position p of the index: the offset in the tensor along the geometry's other dims, plus the
// index value times `dim_stride`; -1 after recording a value outside [0, dim_size).
template <class Index>
__device__ __forceinline__ int64_t gather_offset(int64_t p, const kernels::StridedGeom& g, const Index* index,
                                                 int64_t dim_size, int64_t dim_stride, DeviceErrorRecord* errors,
                                                 const ErrorSite& site) {
  const int64_t v = static_cast<int64_t>(index[p]);
  if (v < 0 || v >= dim_size) {
    record_error(errors, site, p, v);
    return -1;
  }
  return kernels::strided_offset(g, p) + v * dim_stride;
}

template <class Word, class Index>
__global__ void gather_kernel(const Word* x, const Index* index, Word* y, int64_t n, kernels::StridedGeom g,
                              int64_t dim_size, int64_t dim_stride, DeviceErrorRecord* errors, ErrorSite site) {
  JDNN_KERNEL_LOOP(p, n) {
    const int64_t from = gather_offset(p, g, index, dim_size, dim_stride, errors, site);
    if (from >= 0) y[p] = x[from];
  }
}

template <class T, class Index>
__global__ void scatter_add_kernel(const T* src, const Index* index, T* dst, int64_t n, kernels::StridedGeom gd,
                                   kernels::StridedGeom gs, int64_t dim_size, int64_t dim_stride,
                                   DeviceErrorRecord* errors, ErrorSite site) {
  JDNN_KERNEL_LOOP(p, n) {
    const int64_t to = gather_offset(p, gd, index, dim_size, dim_stride, errors, site);
    if (to >= 0) atomicAdd(dst + to, src[kernels::strided_offset(gs, p)]);
  }
}

// Calls f(Index{}) with the index tensor's element type.
template <class F>
void with_index(const Tensor& index, F&& f) {
  if (index.dtype == DType::INT32) f(int32_t{});
  else f(int64_t{});
}

// Calls f(Word{}) with an unsigned type of t's element size.
template <class F>
void with_word(const Tensor& t, F&& f) {
  switch (dtype_size(t.dtype)) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    default: f(uint64_t{}); break;
  }
}

int64_t inner_of(const Tensor& t, int dim) {
  int64_t inner = 1;
  for (int d = dim + 1; d < t.ndim(); ++d) inner *= t.shape[d];
  return inner;
}

}  // namespace

void CudaBackend::index_select(const Tensor& x, int dim, const Tensor& index, Tensor& y) {
  JDNN_CUDA_OP("index_select");
  Context& c = jdnn_op.ctx;
  const RowGeom g = row_geom(x, dim, index);
  if (g.outer * g.k == 0) return;
  const ErrorSite site = c.errors.site(c.stream, DeviceCheck::INDEX_SELECT_INDEX, g.rows, dim);
  with_word(x, [&](auto word) {
    using Word = decltype(word);
    with_index(index, [&](auto idx) {
      using Index = decltype(idx);
      launch_n(index_select_kernel<Word, Index>, g.outer * g.k * g.span, c.stream,
               static_cast<const Word*>(x.storage->data), index.data<Index>(), static_cast<Word*>(y.storage->data),
               g, c.errors.record(), site);
    });
  });
}

void CudaBackend::index_add(const Tensor& src, int dim, const Tensor& index, Tensor& dst) {
  JDNN_CUDA_OP("index_add");
  Context& c = jdnn_op.ctx;
  const RowGeom g = row_geom(dst, dim, index);
  if (g.outer * g.k == 0) return;
  const ErrorSite site = c.errors.site(c.stream, DeviceCheck::INDEX_ADD_INDEX, g.rows, dim);
  with_float(dst.dtype, "index_add", [&](auto zero) {
    using T = decltype(zero);
    with_index(index, [&](auto idx) {
      using Index = decltype(idx);
      launch_n(index_add_kernel<T, Index>, g.outer * g.k * g.span, c.stream, src.data<T>(), index.data<Index>(),
               dst.data<T>(), g, c.errors.record(), site);
    });
  });
}

void CudaBackend::gather(const Tensor& x, int dim, const Tensor& index, Tensor& y) {
  JDNN_CUDA_OP("gather");
  Context& c = jdnn_op.ctx;
  if (index.numel == 0) return;
  const ErrorSite site = c.errors.site(c.stream, DeviceCheck::GATHER_INDEX, x.shape[dim], dim);
  const kernels::StridedGeom g = kernels::index_geom(index.shape.data(), x.shape.data(), x.ndim(), dim, true);
  with_word(x, [&](auto word) {
    using Word = decltype(word);
    with_index(index, [&](auto idx) {
      using Index = decltype(idx);
      launch_n(gather_kernel<Word, Index>, index.numel, c.stream, static_cast<const Word*>(x.storage->data),
               index.data<Index>(), static_cast<Word*>(y.storage->data), index.numel, g, x.shape[dim],
               inner_of(x, dim), c.errors.record(), site);
    });
  });
}

void CudaBackend::scatter_add(const Tensor& src, int dim, const Tensor& index, Tensor& dst) {
  JDNN_CUDA_OP("scatter_add");
  Context& c = jdnn_op.ctx;
  if (index.numel == 0) return;
  const ErrorSite site = c.errors.site(c.stream, DeviceCheck::SCATTER_ADD_INDEX, dst.shape[dim], dim);
  const int r = dst.ndim();
  const kernels::StridedGeom gd = kernels::index_geom(index.shape.data(), dst.shape.data(), r, dim, true);
  const kernels::StridedGeom gs = kernels::index_geom(index.shape.data(), src.shape.data(), r, dim, false);
  with_float(dst.dtype, "scatter_add", [&](auto zero) {
    using T = decltype(zero);
    with_index(index, [&](auto idx) {
      using Index = decltype(idx);
      launch_n(scatter_add_kernel<T, Index>, index.numel, c.stream, src.data<T>(), index.data<Index>(),
               dst.data<T>(), index.numel, gd, gs, dst.shape[dim], inner_of(dst, dim), c.errors.record(), site);
    });
  });
}

}  // namespace jdnn::cuda
