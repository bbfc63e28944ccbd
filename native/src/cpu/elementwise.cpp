#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "jdnn/jdnn.h"
#include "kernels/binary.h"
#include "kernels/compare.h"
#include "kernels/unary.h"

namespace jdnn::cpu {

namespace {

// float16/bfloat16 (H) in and out, the functor in float32: exactly what widening to float32 copies,
// the float32 op and one rounding give (core/api/widen.h), without the copies. The facade sends
// 16-bit tensors here on the CPU only.
template <class H>
void unary_half(UnaryOp op, const Tensor& x, Tensor& y, float a, float a2) {
  const H* xs = x.data<H>();
  H* ys = y.data<H>();
  kernels::with_unary_functor(op, [&](auto f) {
    parallel_for(x.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) ys[i] = H(f.fwd(static_cast<float>(xs[i]), a, a2));
    });
  });
}

template <class H>
void unary_backward_half(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx, float a,
                         float a2) {
  const H *xs = x.data<H>(), *ys = y.data<H>(), *dys = dy.data<H>();
  H* dxs = dx.data<H>();
  kernels::with_unary_functor(op, [&](auto f) {
    parallel_for(x.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        dxs[i] = H(f.bwd(static_cast<float>(xs[i]), static_cast<float>(ys[i]), static_cast<float>(dys[i]), a, a2));
    });
  });
}

}  // namespace

void CpuBackend::unary(UnaryOp op, const Tensor& x, Tensor& y, double alpha, double alpha2) {
  const float fa = static_cast<float>(alpha), fa2 = static_cast<float>(alpha2);
  if (x.dtype == DType::BFLOAT16) return unary_half<kernels::BFloat16>(op, x, y, fa, fa2);
  if (x.dtype == DType::FLOAT16) return unary_half<kernels::Float16>(op, x, y, fa, fa2);
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* xs = x.data<T>();
    T* ys = y.data<T>();
    const T a = static_cast<T>(alpha), a2 = static_cast<T>(alpha2);
    kernels::with_unary_functor(op, [&](auto f) {
      parallel_for(x.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) ys[i] = f.fwd(xs[i], a, a2);
      });
    });
  });
}

void CpuBackend::unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                                Tensor& dx, double alpha, double alpha2) {
  const float fa = static_cast<float>(alpha), fa2 = static_cast<float>(alpha2);
  if (x.dtype == DType::BFLOAT16) return unary_backward_half<kernels::BFloat16>(op, x, y, dy, dx, fa, fa2);
  if (x.dtype == DType::FLOAT16) return unary_backward_half<kernels::Float16>(op, x, y, dy, dx, fa, fa2);
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *xs = x.data<T>(), *ys = y.data<T>(), *dys = dy.data<T>();
    T* dxs = dx.data<T>();
    const T a = static_cast<T>(alpha), a2 = static_cast<T>(alpha2);
    kernels::with_unary_functor(op, [&](auto f) {
      parallel_for(x.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dxs[i] = f.bwd(xs[i], ys[i], dys[i], a, a2);
      });
    });
  });
}

namespace {

// Strides of `t` viewed with `rank` dims right-aligned against the output,
// 0 where t is broadcast (size 1 or absent).
std::vector<int64_t> broadcast_strides(const Tensor& t, int rank) {
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int i = t.ndim() - 1, o = rank - 1; i >= 0; --i, --o) {
    strides[o] = t.shape[i] == 1 ? 0 : stride;
    stride *= t.shape[i];
  }
  return strides;
}

// Every output element's operand offsets, walking the output in order. O is the output's element
// type: T for arithmetic, uint8_t for comparisons.
template <class T, class O = T, class F>
void binary_general(F f, const Tensor& a, const Tensor& b, Tensor& out) {
  const int rank = out.ndim();
  const auto sa = broadcast_strides(a, rank), sb = broadcast_strides(b, rank);
  const T *as = a.data<T>(), *bs = b.data<T>();
  O* os = out.data<O>();
  std::vector<int64_t> idx(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < out.numel; ++i) {
    os[i] = f(as[ia], bs[ib]);
    for (int d = rank - 1; d >= 0; --d) {  // odometer increment
      ia += sa[d];
      ib += sb[d];
      if (++idx[d] < out.shape[d]) break;
      ia -= sa[d] * idx[d];
      ib -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}

// True when `t` equals the trailing dims of `out` (a bias row repeated over leading dims).
bool is_trailing_block(const Tensor& t, const Tensor& out) {
  if (t.numel == 0 || out.numel % t.numel != 0) return false;
  int64_t n = 1;
  for (int i = t.ndim() - 1, o = out.ndim() - 1; i >= 0; --i, --o) {
    if (t.shape[i] == 1 && o < 0) continue;
    if (o < 0 || t.shape[i] != out.shape[o]) return false;
    n *= t.shape[i];
  }
  return n == t.numel;
}

}  // namespace

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  with_float_type(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    kernels::with_binary_functor(op, [&](auto f) {
      const T *as = a.data<T>(), *bs = b.data<T>();
      T* os = out.data<T>();
      const int64_t n = out.numel;
      if (a.numel == n && b.numel == n) {
        parallel_for(n, kElementwiseGrain, [&](int64_t s, int64_t e) {
          for (int64_t i = s; i < e; ++i) os[i] = f(as[i], bs[i]);
        });
      } else if (b.numel == 1 || a.numel == 1) {
        const bool scalar_b = b.numel == 1;
        const T s = scalar_b ? bs[0] : as[0];
        parallel_for(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
          if (scalar_b) for (int64_t i = lo; i < hi; ++i) os[i] = f(as[i], s);
          else for (int64_t i = lo; i < hi; ++i) os[i] = f(s, bs[i]);
        });
      } else if (a.numel == n && is_trailing_block(b, out)) {
        const int64_t m = b.numel;
        parallel_for(n / m, std::max<int64_t>(1, kElementwiseGrain / m), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; ++r)
            for (int64_t j = 0; j < m; ++j) os[r * m + j] = f(as[r * m + j], bs[j]);
        });
      } else {
        binary_general<T>(f, a, b, out);
      }
    });
  });
}

void CpuBackend::compare(CompareOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  with_compare_dtype(a.dtype, [&](auto zero) {
    using T = decltype(zero);
    kernels::with_compare_functor(op, [&](auto f) {
      const T *as = a.data<T>(), *bs = b.data<T>();
      uint8_t* os = out.data<uint8_t>();
      const int64_t n = out.numel;
      if (a.numel == n && b.numel == n) {
        parallel_for(n, kElementwiseGrain, [&](int64_t s, int64_t e) {
          for (int64_t i = s; i < e; ++i) os[i] = f(as[i], bs[i]);
        });
      } else if (a.numel == n && b.numel == 1) {  // against a scalar, the common case
        const T s = bs[0];
        parallel_for(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) os[i] = f(as[i], s);
        });
      } else {
        binary_general<T, uint8_t>(f, a, b, out);
      }
    });
  });
}

}  // namespace jdnn::cpu
