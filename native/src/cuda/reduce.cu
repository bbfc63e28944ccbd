// Sums over broadcast dims (the gradient of broadcasting), argmax, and max/min along a dimension on
// the CUDA backend (CPU twin: cpu/reduce.cpp).
#include <cmath>
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/dispatch.h"
#include "jdnn/jdnn.h"

namespace jdnn::cuda {

namespace {

// Kept and summed dims alternate after merging, so this covers any input of up
// to 16 dims; the geometry travels by value in the launch.
constexpr int kMaxDims = 8;

// x seen as dims that y keeps (their row-major order is y's layout) and dims
// that are summed away, each with its element stride in x. Neighbouring dims of
// one kind are merged, so a bias gradient (N, C) -> (C) is one kept and one
// summed dim, and (N, C, H, W) -> (1, C, 1, 1) one kept between two summed.
struct SumGeom {
  int kept_rank;
  int64_t kept_size[kMaxDims];
  int64_t kept_stride[kMaxDims];
  int summed_rank;
  int64_t summed_size[kMaxDims];
  int64_t summed_stride[kMaxDims];
  int64_t outputs;  // y.numel
  int64_t length;   // inputs per output
  int64_t chunks;   // pieces each output's inputs are split into
  int64_t chunk;    // inputs per piece (the last may be shorter)
};

// Accumulated in double as on the CPU: float32 sums over a large batch would
// otherwise lose digits.
template <class T>
__device__ double sum_range(const T* x, const SumGeom& g, int64_t j, int64_t begin, int64_t end) {
  int64_t base = 0, rest = j;
  for (int d = g.kept_rank - 1; d >= 0; --d) {
    base += (rest % g.kept_size[d]) * g.kept_stride[d];
    rest /= g.kept_size[d];
  }
  // Odometer over the summed dims, started at input `begin`.
  int64_t idx[kMaxDims];
  int64_t off = base;
  rest = begin;
  for (int d = g.summed_rank - 1; d >= 0; --d) {
    idx[d] = rest % g.summed_size[d];
    rest /= g.summed_size[d];
    off += idx[d] * g.summed_stride[d];
  }
  double acc = 0;
  for (int64_t t = begin; t < end; ++t) {
    acc += static_cast<double>(x[off]);
    for (int d = g.summed_rank - 1; d >= 0; --d) {
      off += g.summed_stride[d];
      if (++idx[d] < g.summed_size[d]) break;
      off -= idx[d] * g.summed_stride[d];
      idx[d] = 0;
    }
  }
  return acc;
}

// One thread per output, all its inputs.
template <class T>
__global__ void sum_direct_kernel(const T* x, T* y, SumGeom g) {
  JDNN_KERNEL_LOOP(j, g.outputs) { y[j] = static_cast<T>(sum_range(x, g, j, 0, g.length)); }
}

// One thread per (piece, output); neighbouring threads take neighbouring
// outputs, which are neighbours in x too when the kept dims are innermost.
template <class T>
__global__ void sum_pieces_kernel(const T* x, double* partial, SumGeom g) {
  JDNN_KERNEL_LOOP(p, g.chunks * g.outputs) {
    const int64_t c = p / g.outputs, j = p - c * g.outputs;
    const int64_t begin = c * g.chunk;
    const int64_t end = begin + g.chunk < g.length ? begin + g.chunk : g.length;
    partial[p] = sum_range(x, g, j, begin, end);
  }
}

// Adds the pieces in a fixed order, so the result does not depend on scheduling.
template <class T>
__global__ void sum_finish_kernel(const double* partial, T* y, int64_t outputs, int64_t chunks) {
  JDNN_KERNEL_LOOP(j, outputs) {
    double acc = 0;
    for (int64_t c = 0; c < chunks; ++c) acc += partial[c * outputs + j];
    y[j] = static_cast<T>(acc);
  }
}

// First maximum wins and NaN counts as the maximum, as cpu/reduce.cpp decides.
template <class T>
__global__ void argmax_last_kernel(const T* x, int64_t* out, int64_t rows, int64_t cols) {
  JDNN_KERNEL_LOOP(r, rows) {
    const T* row = x + r * cols;
    int64_t best = 0;
    for (int64_t j = 1; j < cols; ++j)
      if (row[j] > row[best] || (std::isnan(row[j]) && !std::isnan(row[best]))) best = j;
    out[r] = best;
  }
}

// One thread per output (o, i) of x seen as (outer, len, inner): its extreme along len, the first of
// equals, NaN counting as the extreme (the rule of cpu/reduce.cpp's beats).
template <class T>
__global__ void max_dim_kernel(const T* x, T* values, int64_t* indices, int64_t outputs, int64_t len,
                               int64_t inner, bool min) {
  JDNN_KERNEL_LOOP(j, outputs) {
    const int64_t o = j / inner, i = j - o * inner;
    const T* p = x + o * len * inner + i;
    int64_t best = 0;
    for (int64_t k = 1; k < len; ++k) {
      const T v = p[k * inner], b = p[best * inner];
      if (!std::isnan(b) && (std::isnan(v) || (min ? v < b : v > b))) best = k;
    }
    indices[j] = best;
    if (values != nullptr) values[j] = p[best * inner];
  }
}

// dx is zeroed first; each thread writes the one element its index selects (distinct per thread).
template <class T>
__global__ void max_dim_backward_kernel(const T* dy, const int64_t* indices, T* dx, int64_t outputs, int64_t len,
                                        int64_t inner) {
  JDNN_KERNEL_LOOP(j, outputs) {
    const int64_t o = j / inner, i = j - o * inner, k = indices[j];
    if (k >= 0 && k < len) dx[(o * len + k) * inner + i] = dy[j];
  }
}

// x's element counts before and after dimension dim.
void split_at(const Tensor& x, int dim, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int d = 0; d < dim; ++d) outer *= x.shape[d];
  for (int d = dim + 1; d < x.ndim(); ++d) inner *= x.shape[d];
}

SumGeom sum_geom(const Tensor& x, const Tensor& y) {
  const int rank = x.ndim();
  std::vector<bool> kept(rank, false);
  for (int i = y.ndim() - 1, o = rank - 1; i >= 0; --i, --o) kept[o] = y.shape[i] != 1;
  SumGeom g{};
  int64_t stride = 1;
  std::vector<int64_t> strides(rank);
  for (int d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= x.shape[d];
  }
  bool last_kept = false;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = x.shape[d];
    if (n == 1) continue;
    int& r = kept[d] ? g.kept_rank : g.summed_rank;
    int64_t* size = kept[d] ? g.kept_size : g.summed_size;
    int64_t* st = kept[d] ? g.kept_stride : g.summed_stride;
    // Same kind as the previous non-trivial dim: both are one contiguous run.
    if (r > 0 && last_kept == kept[d] && st[r - 1] == strides[d] * n) {
      size[r - 1] *= n;
      st[r - 1] = strides[d];
    } else {
      JDNN_CHECK(r < kMaxDims, "sum_to: summing ", x.describe(), " to ", y.describe(), " needs more than ",
                 kMaxDims, " alternating kept and summed dimensions");
      size[r] = n;
      st[r] = strides[d];
      ++r;
    }
    last_kept = kept[d];
  }
  g.outputs = y.numel;
  g.length = x.numel / y.numel;
  return g;
}

}  // namespace

void CudaBackend::sum_to(const Tensor& x, Tensor& y) {
  JDNN_CUDA_OP("sum_to");
  Context& c = jdnn_op.ctx;
  if (y.numel == 0) return;
  if (x.numel == y.numel) {  // nothing to sum: a copy
    JDNN_CUDA_CHECK(cudaMemcpyAsync(y.storage->data, x.storage->data, x.numel * dtype_size(x.dtype),
                                    cudaMemcpyDeviceToDevice, c.stream));
    return;
  }
  with_float(x.dtype, "sum_to", [&](auto zero) {
    using T = decltype(zero);
    if (x.numel == 0) {  // a sum over nothing is 0
      JDNN_CUDA_CHECK(cudaMemsetAsync(y.storage->data, 0, y.numel * sizeof(T), c.stream));
      return;
    }
    SumGeom g = sum_geom(x, y);
    // Few outputs over long sums (a scalar loss, per-channel sums) would leave
    // most of the GPU idle; split each sum into pieces of at least 256 inputs
    // until there are about 64K threads.
    constexpr int64_t kTargetThreads = 65536, kMinPiece = 256;
    const int64_t by_length = (g.length + kMinPiece - 1) / kMinPiece;
    const int64_t by_threads = (kTargetThreads + g.outputs - 1) / g.outputs;
    g.chunks = by_length < by_threads ? by_length : by_threads;
    if (g.chunks <= 1) {
      g.chunks = 1;
      g.chunk = g.length;
      launch_n(sum_direct_kernel<T>, g.outputs, c.stream, x.data<T>(), y.data<T>(), g);
      return;
    }
    g.chunk = (g.length + g.chunks - 1) / g.chunks;
    g.chunks = (g.length + g.chunk - 1) / g.chunk;
    auto* partial = static_cast<double*>(c.workspace(g.chunks * g.outputs * sizeof(double)));
    launch_n(sum_pieces_kernel<T>, g.chunks * g.outputs, c.stream, x.data<T>(), partial, g);
    launch_n(sum_finish_kernel<T>, g.outputs, c.stream, static_cast<const double*>(partial), y.data<T>(),
             g.outputs, g.chunks);
  });
}

void CudaBackend::argmax_last(const Tensor& x, Tensor& out) {
  JDNN_CUDA_OP("argmax_last");
  cudaStream_t s = jdnn_op.ctx.stream;
  const int64_t cols = x.dim(-1), rows = x.numel / cols;
  with_float(x.dtype, "argmax_last", [&](auto zero) {
    using T = decltype(zero);
    launch_n(argmax_last_kernel<T>, rows, s, x.data<T>(), out.data<int64_t>(), rows, cols);
  });
}

void CudaBackend::max_dim(const Tensor& x, Tensor* values, Tensor& indices, int dim, bool min) {
  JDNN_CUDA_OP("max_dim");
  cudaStream_t s = jdnn_op.ctx.stream;
  int64_t outer, inner;
  split_at(x, dim, outer, inner);
  const int64_t outputs = outer * inner;
  if (outputs == 0) return;
  with_float(x.dtype, "max_dim", [&](auto zero) {
    using T = decltype(zero);
    launch_n(max_dim_kernel<T>, outputs, s, x.data<T>(), values != nullptr ? values->data<T>() : nullptr,
             indices.data<int64_t>(), outputs, x.shape[dim], inner, min);
  });
}

void CudaBackend::max_dim_backward(const Tensor& dy, const Tensor& indices, Tensor& dx, int dim) {
  JDNN_CUDA_OP("max_dim_backward");
  cudaStream_t s = jdnn_op.ctx.stream;
  if (dx.numel == 0) return;
  JDNN_CUDA_CHECK(cudaMemsetAsync(dx.storage->data, 0, dx.numel * dtype_size(dx.dtype), s));
  int64_t outer, inner;
  split_at(dx, dim, outer, inner);
  const int64_t outputs = outer * inner;
  with_float(dx.dtype, "max_dim_backward", [&](auto zero) {
    using T = decltype(zero);
    launch_n(max_dim_backward_kernel<T>, outputs, s, dy.data<T>(), indices.data<int64_t>(), dx.data<T>(), outputs,
             dx.shape[dim], inner);
  });
}

}  // namespace jdnn::cuda
