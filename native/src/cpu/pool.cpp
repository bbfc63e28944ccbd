// Max and average pooling on the CPU (NCHW, floor-mode output size, symmetric padding at most
// half the kernel, as PyTorch requires). Every (n, c) plane is independent, so the work is
// split over planes; within a plane the loops walk rows in memory order. Window geometry, the
// max selection rule and the average divisor come from kernels/pool.h, which the CUDA backend
// uses too, so both backends pick the same maximum and divide by the same count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/pool.h"

namespace jdnn::cpu {
namespace {

using kernels::avg_pool_count;
using kernels::pool_window;
using kernels::take_max;

struct PoolShape {
  int64_t planes, h, w, oh, ow;
};

PoolShape pool_shape(const Tensor& x, const Tensor& y) {
  return PoolShape{x.dim(0) * x.dim(1), x.dim(2), x.dim(3), y.dim(2), y.dim(3)};
}

// Planes per task so that a task does at least ~kElementwiseGrain element visits.
int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, work_per_plane));
}

template <class I>
void with_index_type(DType dtype, I&& f) {
  if (dtype == DType::INT32) f(int32_t{});
  else f(int64_t{});
}

// Output positions [lo, hi) whose input coordinate o * stride + off lies inside [0, size).
inline void valid_range(int64_t off, int64_t stride, int64_t size, int64_t out, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  hi = size - 1 - off < 0 ? 0 : (size - 1 - off) / stride + 1;
  lo = std::min(lo, out);
  hi = std::max(lo, std::min(hi, out));
}

// 2x2 windows, stride 2, no padding (the usual CNN pooling): each output reads two pairs.
template <class T, class I>
void max_pool_2x2(const T* xp, T* yp, I* ip, const PoolShape& s) {
  for (int64_t oh = 0; oh < s.oh; ++oh) {
    const T* r0 = xp + 2 * oh * s.w;
    const T* r1 = r0 + s.w;
    T* best = yp + oh * s.ow;
    I* arg = ip + oh * s.ow;
    const I base = static_cast<I>(2 * oh * s.w), below = static_cast<I>(s.w);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      const I at = static_cast<I>(base + 2 * ow);
      T b = r0[2 * ow];
      I a = at;
      take_max(r0[2 * ow + 1], static_cast<I>(at + 1), b, a);
      take_max(r1[2 * ow], static_cast<I>(at + below), b, a);
      take_max(r1[2 * ow + 1], static_cast<I>(at + below + 1), b, a);
      best[ow] = b;
      arg[ow] = a;
    }
  }
}

// General windows, one output row at a time with the output column innermost: for each window
// cell (ki, kj) in row-major order, every output of the row compares its value at that cell. The
// per-column updates are independent selects, which the compiler makes branch-free (vector)
// code; an element-by-element scan would branch on data and mispredict about once per window.
// Visiting cells in row-major order keeps the first-maximum rule.
template <class T, class I>
void max_pool_rows(const T* xp, T* yp, I* ip, const PoolShape& s, const Pool2dGeom& g, const int64_t* first_col,
                   const int64_t* col_lo, const int64_t* col_hi) {
  for (int64_t oh = 0; oh < s.oh; ++oh) {
    T* best = yp + oh * s.ow;
    I* arg = ip + oh * s.ow;
    int64_t h0, h1;
    pool_window(oh, g.stride_h, g.pad_h, g.kh, s.h, h0, h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {  // PyTorch's start: -inf at the first valid cell
      best[ow] = -std::numeric_limits<T>::infinity();
      arg[ow] = static_cast<I>(h0 * s.w + first_col[ow]);
    }
    for (int64_t ih = h0; ih < h1; ++ih) {
      const T* row = xp + ih * s.w;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const int64_t off = kj - g.pad_w, sw = g.stride_w;  // input column = ow * sw + off
        const I base = static_cast<I>(ih * s.w + off);
        for (int64_t ow = col_lo[kj]; ow < col_hi[kj]; ++ow)
          take_max(row[ow * sw + off], static_cast<I>(base + ow * sw), best[ow], arg[ow]);
      }
    }
  }
}

}  // namespace

void CpuBackend::max_pool2d(const Tensor& x, Tensor& y, Tensor& indices, const Pool2dGeom& g) {
  const PoolShape s = pool_shape(x, y);
  const bool two_by_two = g.kh == 2 && g.kw == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_h == 0 &&
                          g.pad_w == 0;
  // Column geometry, the same for every row: first valid column per output, valid outputs per kj.
  std::vector<int64_t> cols(static_cast<size_t>(s.ow + 2 * g.kw));
  int64_t *first_col = cols.data(), *col_lo = first_col + s.ow, *col_hi = col_lo + g.kw;
  for (int64_t ow = 0; ow < s.ow; ++ow) {
    int64_t w0, w1;
    pool_window(ow, g.stride_w, g.pad_w, g.kw, s.w, w0, w1);
    first_col[ow] = w0;
  }
  for (int64_t kj = 0; kj < g.kw; ++kj) valid_range(kj - g.pad_w, g.stride_w, s.w, s.ow, col_lo[kj], col_hi[kj]);
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    with_index_type(indices.dtype, [&](auto izero) {
      using I = decltype(izero);
      const T* xs = x.data<T>();
      T* ys = y.data<T>();
      I* is = indices.data<I>();
      parallel_for(s.planes, plane_grain(s.oh * s.ow * g.kh * g.kw), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          const T* xp = xs + p * s.h * s.w;
          T* yp = ys + p * s.oh * s.ow;
          I* ip = is + p * s.oh * s.ow;
          if (two_by_two) max_pool_2x2(xp, yp, ip, s);
          else max_pool_rows(xp, yp, ip, s, g, first_col, col_lo, col_hi);
        }
      });
    });
  });
}

void CpuBackend::max_pool2d_backward(const Tensor& dy, const Tensor& indices, Tensor& dx) {
  const PoolShape s = pool_shape(dx, dy);
  const int64_t plane = s.h * s.w, out_plane = s.oh * s.ow;
  with_float_type(dy.dtype, [&](auto zero) {
    using T = decltype(zero);
    with_index_type(indices.dtype, [&](auto izero) {
      using I = decltype(izero);
      const T* dys = dy.data<T>();
      const I* is = indices.data<I>();
      T* dxs = dx.data<T>();
      parallel_for(s.planes, plane_grain(plane + out_plane), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          T* dxp = dxs + p * plane;
          std::fill(dxp, dxp + plane, T(0));
          const T* dyp = dys + p * out_plane;
          const I* ip = is + p * out_plane;
          for (int64_t j = 0; j < out_plane; ++j) {
            const int64_t k = static_cast<int64_t>(ip[j]);
            JDNN_CHECK_AS(ErrorKind::INDEX, k >= 0 && k < plane, "max_pool2d_backward: index ", k, " at output ",
                          p * out_plane + j, " is outside the ", s.h, "x", s.w, " input plane");
            dxp[k] += dyp[j];
          }
        }
      });
    });
  });
}

void CpuBackend::avg_pool2d(const Tensor& x, Tensor& y, const Pool2dGeom& g, bool count_include_pad) {
  const PoolShape s = pool_shape(x, y);
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* xs = x.data<T>();
    T* ys = y.data<T>();
    parallel_for(s.planes, plane_grain(s.oh * s.ow * g.kh * g.kw), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const T* xp = xs + p * s.h * s.w;
        T* yp = ys + p * s.oh * s.ow;
        for (int64_t oh = 0; oh < s.oh; ++oh) {
          int64_t h0, h1;
          pool_window(oh, g.stride_h, g.pad_h, g.kh, s.h, h0, h1);
          for (int64_t ow = 0; ow < s.ow; ++ow) {
            int64_t w0, w1;
            pool_window(ow, g.stride_w, g.pad_w, g.kw, s.w, w0, w1);
            double sum = 0;
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) sum += xp[ih * s.w + iw];
            const int64_t count = avg_pool_count(count_include_pad, g.kh, g.kw, h0, h1, w0, w1);
            yp[oh * s.ow + ow] = static_cast<T>(sum / static_cast<double>(count));
          }
        }
      }
    });
  });
}

void CpuBackend::avg_pool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeom& g, bool count_include_pad) {
  const PoolShape s = pool_shape(dx, dy);
  with_float_type(dy.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* dys = dy.data<T>();
    T* dxs = dx.data<T>();
    parallel_for(s.planes, plane_grain(s.oh * s.ow * g.kh * g.kw), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        T* dxp = dxs + p * s.h * s.w;
        std::fill(dxp, dxp + s.h * s.w, T(0));
        const T* dyp = dys + p * s.oh * s.ow;
        for (int64_t oh = 0; oh < s.oh; ++oh) {
          int64_t h0, h1;
          pool_window(oh, g.stride_h, g.pad_h, g.kh, s.h, h0, h1);
          for (int64_t ow = 0; ow < s.ow; ++ow) {
            int64_t w0, w1;
            pool_window(ow, g.stride_w, g.pad_w, g.kw, s.w, w0, w1);
            const int64_t count = avg_pool_count(count_include_pad, g.kh, g.kw, h0, h1, w0, w1);
            const T share = static_cast<T>(static_cast<double>(dyp[oh * s.ow + ow]) / static_cast<double>(count));
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) dxp[ih * s.w + iw] += share;
          }
        }
      }
    });
  });
}

}  // namespace jdnn::cpu
