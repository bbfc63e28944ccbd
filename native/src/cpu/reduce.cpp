#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "jdnn/jdnn.h"

namespace jdnn::cpu {

namespace {

// Sums are accumulated in double: a float32 sum over a 60,000-sample batch
// would otherwise lose digits that the gradient check can see.
template <class T>
void sum_all(const Tensor& x, Tensor& y) {
  const T* xs = x.data<T>();
  double total = 0;
  for (int64_t i = 0; i < x.numel; ++i) total += xs[i];
  y.data<T>()[0] = static_cast<T>(total);
}

// y[j] = sum_r x[r, j]: the bias gradient, summing over the batch.
template <class T>
void sum_leading(const Tensor& x, Tensor& y) {
  const int64_t m = y.numel, rows = x.numel / m;
  const T* xs = x.data<T>();
  T* ys = y.data<T>();
  parallel_for(m, 256, [&](int64_t j0, int64_t j1) {
    std::vector<double> acc(j1 - j0, 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = j0; j < j1; ++j) acc[j - j0] += xs[r * m + j];
    for (int64_t j = j0; j < j1; ++j) ys[j] = static_cast<T>(acc[j - j0]);
  });
}

template <class T>
void sum_general(const Tensor& x, Tensor& y) {
  const int rank = x.ndim();
  std::vector<int64_t> ys_stride(rank, 0);
  int64_t stride = 1;
  for (int i = y.ndim() - 1, o = rank - 1; i >= 0; --i, --o) {
    ys_stride[o] = y.shape[i] == 1 ? 0 : stride;
    stride *= y.shape[i];
  }
  std::vector<double> acc(y.numel, 0.0);
  std::vector<int64_t> idx(rank, 0);
  const T* xs = x.data<T>();
  int64_t iy = 0;
  for (int64_t i = 0; i < x.numel; ++i) {
    acc[iy] += xs[i];
    for (int d = rank - 1; d >= 0; --d) {
      iy += ys_stride[d];
      if (++idx[d] < x.shape[d]) break;
      iy -= ys_stride[d] * idx[d];
      idx[d] = 0;
    }
  }
  T* ys = y.data<T>();
  for (int64_t j = 0; j < y.numel; ++j) ys[j] = static_cast<T>(acc[j]);
}

bool is_trailing_of(const Tensor& y, const Tensor& x) {
  int64_t n = 1;
  for (int i = y.ndim() - 1, o = x.ndim() - 1; i >= 0; --i, --o) {
    if (o < 0) { if (y.shape[i] != 1) return false; continue; }
    if (y.shape[i] != x.shape[o]) return false;
    n *= y.shape[i];
  }
  return n == y.numel;
}

}  // namespace

void CpuBackend::sum_to(const Tensor& x, Tensor& y) {
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    if (y.numel == x.numel) convert(x, y);
    else if (y.numel == 1) sum_all<T>(x, y);
    else if (is_trailing_of(y, x)) sum_leading<T>(x, y);
    else sum_general<T>(x, y);
  });
}

void CpuBackend::argmax_last(const Tensor& x, Tensor& out) {
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t c = x.dim(-1), rows = x.numel / c;
    const T* xs = x.data<T>();
    int64_t* os = out.data<int64_t>();
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = xs + r * c;
      int64_t best = 0;
      for (int64_t j = 1; j < c; ++j)
        // First maximum wins and NaN counts as the maximum, as in PyTorch.
        if (row[j] > row[best] || (std::isnan(row[j]) && !std::isnan(row[best]))) best = j;
      os[r] = best;
    }
  });
}

namespace {

// x seen as (outer, len, inner) around dimension dim.
struct DimSplit {
  int64_t outer = 1, len, inner = 1;
  DimSplit(const Tensor& x, int dim) : len(x.shape[dim]) {
    for (int d = 0; d < dim; ++d) outer *= x.shape[d];
    for (int d = dim + 1; d < x.ndim(); ++d) inner *= x.shape[d];
  }
};

// Whether v replaces the best so far: strictly beyond it (so the first of equals stays), or NaN
// where the best is not (NaN is the extreme, as in PyTorch).
template <class T>
inline bool beats(T v, T best, bool min) {
  if (std::isnan(best)) return false;
  return std::isnan(v) || (min ? v < best : v > best);
}

}  // namespace

void CpuBackend::max_dim(const Tensor& x, Tensor* values, Tensor& indices, int dim, bool min) {
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const DimSplit s(x, dim);
    const T* xs = x.data<T>();
    T* vs = values != nullptr ? values->data<T>() : nullptr;
    int64_t* is = indices.data<int64_t>();
    parallel_for(s.outer * s.inner, 4096, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) {
        const int64_t o = j / s.inner, i = j - o * s.inner;
        const T* p = xs + o * s.len * s.inner + i;
        int64_t best = 0;
        for (int64_t k = 1; k < s.len; ++k)
          if (beats(p[k * s.inner], p[best * s.inner], min)) best = k;
        is[j] = best;
        if (vs != nullptr) vs[j] = p[best * s.inner];
      }
    });
  });
}

void CpuBackend::max_dim_backward(const Tensor& dy, const Tensor& indices, Tensor& dx, int dim) {
  with_float_type(dx.dtype, [&](auto zero) {
    using T = decltype(zero);
    const DimSplit s(dx, dim);
    const T* dys = dy.data<T>();
    const int64_t* is = indices.data<int64_t>();
    T* dxs = dx.data<T>();
    std::fill(dxs, dxs + dx.numel, T(0));
    for (int64_t j = 0; j < s.outer * s.inner; ++j) {
      const int64_t o = j / s.inner, i = j - o * s.inner, k = is[j];
      if (k >= 0 && k < s.len) dxs[(o * s.len + k) * s.inner + i] = dys[j];
    }
  });
}

}  // namespace jdnn::cpu
