// Unary ops, their gradients, broadcasting binary ops and comparisons on the CUDA backend
// (CPU twin: cpu/elementwise.cpp). The per-element formulas are the functors of
// kernels/unary.h and kernels/binary.h, so both backends evaluate one formula.
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/dispatch.h"
#include "jdnn/jdnn.h"
#include "kernels/binary.h"
#include "kernels/compare.h"
#include "kernels/unary.h"

namespace jdnn::cuda {

namespace {

// Dims the broadcast kernel indexes (after merging); outer dims beyond these are
// looped over on the host, one launch each. The struct travels by value.
constexpr int kMaxDims = 8;

// Output dims (row-major sizes) and, per operand, the element stride of each
// output dim in that operand: 0 where the operand is broadcast.
struct BroadcastGeom {
  int rank;
  int64_t size[kMaxDims];
  int64_t a_stride[kMaxDims];
  int64_t b_stride[kMaxDims];
};

template <class F, class T>
__global__ void unary_kernel(F f, const T* x, T* y, int64_t n, T alpha, T alpha2) {
  JDNN_KERNEL_LOOP(i, n) { y[i] = f.fwd(x[i], alpha, alpha2); }
}

template <class F, class T>
__global__ void unary_backward_kernel(F f, const T* x, const T* y, const T* dy, T* dx, int64_t n, T alpha,
                                      T alpha2) {
  JDNN_KERNEL_LOOP(i, n) { dx[i] = f.bwd(x[i], y[i], dy[i], alpha, alpha2); }
}

// O is the output's element type: T for arithmetic, uint8_t for comparisons.
template <class F, class T, class O>
__global__ void binary_same_kernel(F f, const T* a, const T* b, O* out, int64_t n) {
  JDNN_KERNEL_LOOP(i, n) { out[i] = f(a[i], b[i]); }
}

// One operand is a single value (a scalar, or a loss scale) and the other has out's shape.
template <class F, class T, class O>
__global__ void binary_scalar_kernel(F f, const T* a, const T* b, O* out, int64_t n, bool scalar_a) {
  JDNN_KERNEL_LOOP(i, n) { out[i] = scalar_a ? f(a[0], b[i]) : f(a[i], b[0]); }
}

// Index is 32-bit whenever every offset fits: GPUs divide 64-bit integers in
// software, several times slower than 32-bit, and each element divides per dim.
template <class F, class T, class O, class Index>
__global__ void binary_broadcast_kernel(F f, const T* a, const T* b, O* out, int64_t n, BroadcastGeom g) {
  JDNN_KERNEL_LOOP(i, n) {
    Index rest = static_cast<Index>(i), ia = 0, ib = 0;
    for (int d = g.rank - 1; d >= 0; --d) {
      const Index size = static_cast<Index>(g.size[d]);
      const Index k = rest % size;
      rest /= size;
      ia += k * static_cast<Index>(g.a_stride[d]);
      ib += k * static_cast<Index>(g.b_stride[d]);
    }
    out[i] = f(a[ia], b[ib]);
  }
}

// Strides of `t` right-aligned against an output of `rank` dims, 0 where t is
// broadcast (size 1 or absent).
void operand_strides(const Tensor& t, int rank, int64_t* strides) {
  for (int d = 0; d < rank; ++d) strides[d] = 0;
  int64_t stride = 1;
  for (int i = t.ndim() - 1, o = rank - 1; i >= 0; --i, --o) {
    strides[o] = t.shape[i] == 1 ? 0 : stride;
    stride *= t.shape[i];
  }
}

// The output's dims with size-1 dims dropped and neighbours merged wherever both
// operands step through them as one run, so the kernel divides as little as it can.
struct MergedDims {
  std::vector<int64_t> size, a_stride, b_stride;
};

MergedDims merge_dims(const Tensor& a, const Tensor& b, const Tensor& out) {
  const int rank = out.ndim();
  std::vector<int64_t> sa(rank), sb(rank);
  operand_strides(a, rank, sa.data());
  operand_strides(b, rank, sb.data());
  MergedDims m;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = out.shape[d];
    if (n == 1) continue;
    if (!m.size.empty() && m.a_stride.back() == sa[d] * n && m.b_stride.back() == sb[d] * n) {
      m.size.back() *= n;
      m.a_stride.back() = sa[d];
      m.b_stride.back() = sb[d];
    } else {
      m.size.push_back(n);
      m.a_stride.push_back(sa[d]);
      m.b_stride.push_back(sb[d]);
    }
  }
  return m;
}

// out = f(a, b) with broadcasting: the innermost kMaxDims merged dims in one
// launch, repeated for every index of the dims outside them.
template <class T, class O, class F>
void binary_broadcast(F f, const Tensor& a, const Tensor& b, Tensor& out, cudaStream_t s) {
  const MergedDims m = merge_dims(a, b, out);
  const int rank = static_cast<int>(m.size.size());
  const int outer_rank = rank > kMaxDims ? rank - kMaxDims : 0;
  BroadcastGeom g{};
  g.rank = rank - outer_rank;
  int64_t inner = 1;
  for (int d = 0; d < g.rank; ++d) {
    g.size[d] = m.size[outer_rank + d];
    g.a_stride[d] = m.a_stride[outer_rank + d];
    g.b_stride[d] = m.b_stride[outer_rank + d];
    inner *= g.size[d];
  }
  constexpr int64_t kMax32 = 0xffffffffLL;
  const bool narrow_index = inner <= kMax32 && a.numel <= kMax32 && b.numel <= kMax32;
  void (*kernel)(F, const T*, const T*, O*, int64_t, BroadcastGeom) =
      narrow_index ? binary_broadcast_kernel<F, T, O, uint32_t> : binary_broadcast_kernel<F, T, O, int64_t>;
  const T *as = a.data<T>(), *bs = b.data<T>();
  std::vector<int64_t> idx(outer_rank, 0);
  int64_t ia = 0, ib = 0;
  for (O* o = out.data<O>();; o += inner) {
    launch_n(kernel, inner, s, f, as + ia, bs + ib, o, inner, g);
    int d = outer_rank - 1;
    for (; d >= 0; --d) {  // odometer over the outer dims
      ia += m.a_stride[d];
      ib += m.b_stride[d];
      if (++idx[d] < m.size[d]) break;
      ia -= m.a_stride[d] * idx[d];
      ib -= m.b_stride[d] * idx[d];
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}

}  // namespace

void CudaBackend::unary(UnaryOp op, const Tensor& x, Tensor& y, double alpha, double alpha2) {
  JDNN_CUDA_OP("unary");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(x.dtype, "unary", [&](auto zero) {
    using T = decltype(zero);
    kernels::with_unary_functor(op, [&](auto f) {
      launch_n(unary_kernel<decltype(f), T>, x.numel, s, f, x.data<T>(), y.data<T>(), x.numel,
               static_cast<T>(alpha), static_cast<T>(alpha2));
    });
  });
}

void CudaBackend::unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                                 double alpha, double alpha2) {
  JDNN_CUDA_OP("unary_backward");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(x.dtype, "unary_backward", [&](auto zero) {
    using T = decltype(zero);
    kernels::with_unary_functor(op, [&](auto f) {
      launch_n(unary_backward_kernel<decltype(f), T>, x.numel, s, f, x.data<T>(), y.data<T>(), dy.data<T>(),
               dx.data<T>(), x.numel, static_cast<T>(alpha), static_cast<T>(alpha2));
    });
  });
}

void CudaBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  JDNN_CUDA_OP("binary");
  cudaStream_t s = jdnn_op.ctx.stream;
  const int64_t n = out.numel;
  with_float(out.dtype, "binary", [&](auto zero) {
    using T = decltype(zero);
    kernels::with_binary_functor(op, [&](auto f) {
      if (n == 0) return;
      const T *as = a.data<T>(), *bs = b.data<T>();
      T* os = out.data<T>();
      if (a.numel == n && b.numel == n) {
        launch_n(binary_same_kernel<decltype(f), T, T>, n, s, f, as, bs, os, n);
      } else if ((a.numel == 1 && b.numel == n) || (a.numel == n && b.numel == 1)) {
        launch_n(binary_scalar_kernel<decltype(f), T, T>, n, s, f, as, bs, os, n, a.numel == 1);
      } else {
        binary_broadcast<T, T>(f, a, b, out, s);
      }
    });
  });
}

void CudaBackend::compare(CompareOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  JDNN_CUDA_OP("compare");
  cudaStream_t s = jdnn_op.ctx.stream;
  const int64_t n = out.numel;
  if (n == 0) return;
  with_compare_dtype(a.dtype, [&](auto zero) {
    using T = decltype(zero);
    kernels::with_compare_functor(op, [&](auto f) {
      const T *as = a.data<T>(), *bs = b.data<T>();
      uint8_t* os = out.data<uint8_t>();
      if (a.numel == n && b.numel == n) {
        launch_n(binary_same_kernel<decltype(f), T, uint8_t>, n, s, f, as, bs, os, n);
      } else if ((a.numel == 1 && b.numel == n) || (a.numel == n && b.numel == 1)) {
        launch_n(binary_scalar_kernel<decltype(f), T, uint8_t>, n, s, f, as, bs, os, n, a.numel == 1);
      } else {
        binary_broadcast<T, uint8_t>(f, a, b, out, s);
      }
    });
  });
}

}  // namespace jdnn::cuda
