// 2-D convolution on the CPU (NCHW, PyTorch semantics: cross-correlation, groups as consecutive
// channel blocks, asymmetric zero padding).
//
// Method: per sample and group, im2col turns the input block (Cg, H, W) into a matrix
// col (Cg*kh*kw, OH*OW), and one GEMM gives Y_g (Cout/G, OH*OW) = W_g (Cout/G, Cg*kh*kw) x col.
// Backward: dcol = W_g^T x dY_g, scattered back by col2im (input gradient); dW_g += dY_g x col^T
// (weight gradient). A 1x1, stride-1, unpadded convolution needs no im2col: the input block is
// its own col matrix. bfloat16 tensors take the same lowering with the bf16 GEMMs (below,
// conv2d_bf16); float16 ones are refused (the CPU has no float16 GEMM).
//
// Threads: with at least as many samples as threads, samples are spread over the pool and each
// GEMM runs inline on its thread (parallel_for nested in parallel_for runs serially) with a
// per-thread col buffer. Samples are handed out one at a time from an atomic counter rather than
// in fixed halves: on a shared machine a thread that loses its core for a while then delays the
// step by one sample, not by half the batch. The weight gradient is accumulated per block of
// consecutive samples (blocks claimed the same way, each with its own partial sum) and the
// partials are added in block order, so the result does not depend on which thread ran what.
// With fewer samples than threads, samples run one after another and each GEMM uses the pool
// itself. Scratch buffers are thread_local vectors that only grow, so a training loop with fixed
// shapes allocates nothing after its first step.
#include <algorithm>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/gemm.h"
#include "cpu/gemm_bf16.h"
#include "cpu/sums.h"
#include "cpu/thread_pool.h"
#include "kernels/bf16.h"
#include "kernels/unary.h"

namespace jdnn::cpu {
namespace {

// A per-thread buffer of at least n elements; Tag separates buffers used at the same time.
template <class T, int Tag>
T* scratch(int64_t n) {
  thread_local std::vector<T> buf;
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
  return buf.data();
}
constexpr int kColBuffer = 0, kPartialBuffer = 1;

struct ConvShape {
  int64_t n, c, h, w, cout, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, groups;
  int64_t cg, coutg;  // channels per group, in and out
  int64_t k, p;       // GEMM sizes: kernel rows cg*kh*kw, output pixels oh*ow
  bool direct;        // 1x1, stride 1, no padding: the input block is its own col matrix
};

ConvShape conv_shape(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dGeom& g) {
  ConvShape s{};
  s.n = x.dim(0);
  s.c = x.dim(1);
  s.h = x.dim(2);
  s.w = x.dim(3);
  s.cout = w.dim(0);
  s.kh = w.dim(2);
  s.kw = w.dim(3);
  s.oh = y.dim(2);
  s.ow = y.dim(3);
  s.sh = g.stride_h;
  s.sw = g.stride_w;
  s.pt = g.pad_top;
  s.pl = g.pad_left;
  s.dh = g.dilation_h;
  s.dw = g.dilation_w;
  s.groups = g.groups;
  s.cg = s.c / s.groups;
  s.coutg = s.cout / s.groups;
  s.k = s.cg * s.kh * s.kw;
  s.p = s.oh * s.ow;
  s.direct = s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.pt == 0 && s.pl == 0 && s.oh == s.h &&
             s.ow == s.w;
  return s;
}

// Output positions [lo, hi) whose input coordinate o * stride + off lies inside [0, size).
inline void valid_range(int64_t off, int64_t stride, int64_t size, int64_t out, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  hi = size - 1 - off < 0 ? 0 : (size - 1 - off) / stride + 1;
  lo = std::min(lo, out);
  hi = std::max(lo, std::min(hi, out));
}

// One row of the im2col matrix: kernel tap (i, j) of input channel c. Output position (oh, ow)
// reads input (oh * sh + hoff, ow * sw + woff); [oh_lo, oh_hi) x [ow_lo, ow_hi) are the positions
// whose read lies inside the input, the others read padding. row: the row's offset in col.
struct ColRow {
  int64_t c, hoff, woff, oh_lo, oh_hi, ow_lo, ow_hi, row;
};

// Calls visit(ColRow) for every row of the im2col matrix, in order; im2col and col2im walk the
// same rows, one gathering and one scattering.
template <class F>
void for_each_col_row(const ConvShape& s, F&& visit) {
  ColRow r{};
  for (r.c = 0; r.c < s.cg; ++r.c) {
    for (int64_t i = 0; i < s.kh; ++i) {
      r.hoff = i * s.dh - s.pt;
      valid_range(r.hoff, s.sh, s.h, s.oh, r.oh_lo, r.oh_hi);
      for (int64_t j = 0; j < s.kw; ++j) {
        r.woff = j * s.dw - s.pl;
        valid_range(r.woff, s.sw, s.w, s.ow, r.ow_lo, r.ow_hi);
        r.row = ((r.c * s.kh + i) * s.kw + j) * s.p;
        visit(static_cast<const ColRow&>(r));
      }
    }
  }
}

// With stride 1 and output rows as long as input rows ("same" convolutions) a col row's valid
// entries are the input plane shifted by hoff rows and woff columns, so one long run over
// [d0, d1) of the plane covers them; the entries whose column lies in the padding fall in a
// neighbouring row of that run and are handled apart.
inline bool shifted_plane(const ConvShape& s) { return s.sh == 1 && s.sw == 1 && s.ow == s.w; }

// Zeroes the entries of a col row whose column lies in the padding, in its valid rows.
template <class T>
void zero_padding_columns(const ConvShape& s, const ColRow& r, T* row) {
  for (int64_t oh = r.oh_lo; oh < r.oh_hi; ++oh) {
    T* o = row + oh * s.ow;
    for (int64_t ow = 0; ow < r.ow_lo; ++ow) o[ow] = T(0);
    for (int64_t ow = r.ow_hi; ow < s.ow; ++ow) o[ow] = T(0);
  }
}

// col[(c*kh + i)*kw + j][oh*OW + ow] = x[c][oh*sh - pt + i*dh][ow*sw - pl + j*dw], 0 in the padding.
template <class T>
void im2col(const ConvShape& s, const T* x, T* col) {
  for_each_col_row(s, [&](const ColRow& r) {
    const T* xc = x + r.c * s.h * s.w;
    T* row = col + r.row;
    std::fill(row, row + r.oh_lo * s.ow, T(0));
    std::fill(row + r.oh_hi * s.ow, row + s.p, T(0));
    if (shifted_plane(s)) {  // one long copy, then zero the columns that wrapped around
      const int64_t shift = r.hoff * s.w + r.woff;
      const int64_t d0 = std::max(r.oh_lo * s.ow, -shift), d1 = std::min(r.oh_hi * s.ow, s.h * s.w - shift);
      if (d1 > d0) std::copy(xc + d0 + shift, xc + d1 + shift, row + d0);
      zero_padding_columns(s, r, row);
      return;
    }
    for (int64_t oh = r.oh_lo; oh < r.oh_hi; ++oh) {
      T* o = row + oh * s.ow;
      const T* xr = xc + (oh * s.sh + r.hoff) * s.w;
      std::fill(o, o + r.ow_lo, T(0));
      if (s.sw == 1) {
        std::copy(xr + r.ow_lo + r.woff, xr + r.ow_hi + r.woff, o + r.ow_lo);
      } else {
        for (int64_t ow = r.ow_lo; ow < r.ow_hi; ++ow) o[ow] = xr[ow * s.sw + r.woff];
      }
      std::fill(o + r.ow_hi, o + s.ow, T(0));
    }
  });
}

// The adjoint of im2col: dx[c][ih][iw] += every col entry that was read from it (dx pre-zeroed).
// col is scratch: entries that fall in the padding may be overwritten with zeros.
template <class T>
void col2im(const ConvShape& s, T* col, T* dx) {
  for_each_col_row(s, [&](const ColRow& r) {
    T* xc = dx + r.c * s.h * s.w;
    T* row = col + r.row;
    if (shifted_plane(s)) {  // zero the columns that would wrap around, then one long add
      zero_padding_columns(s, r, row);
      const int64_t shift = r.hoff * s.w + r.woff;
      const int64_t d0 = std::max(r.oh_lo * s.ow, -shift), d1 = std::min(r.oh_hi * s.ow, s.h * s.w - shift);
      for (int64_t q = d0; q < d1; ++q) xc[q + shift] += row[q];
      return;
    }
    for (int64_t oh = r.oh_lo; oh < r.oh_hi; ++oh) {
      const T* o = row + oh * s.ow;
      T* xr = xc + (oh * s.sh + r.hoff) * s.w;
      if (s.sw == 1) {
        T* xo = xr + r.woff + r.ow_lo;
        for (int64_t ow = 0; ow < r.ow_hi - r.ow_lo; ++ow) xo[ow] += o[r.ow_lo + ow];
      } else {
        for (int64_t ow = r.ow_lo; ow < r.ow_hi; ++ow) xr[ow * s.sw + r.woff] += o[ow];
      }
    }
  });
}

// Samples spread over the pool when there are enough of them to keep every thread busy.
bool batch_parallel(int64_t n) {
  const int threads = num_threads();
  return threads > 1 && n >= threads;
}

template <class F>
void for_each_sample(int64_t n, F&& f) {
  for_each_item(n, batch_parallel(n), f);
}

// Weight-gradient partial sums are kept below this many elements in all.
constexpr int64_t kMaxPartialElements = int64_t(1) << 22;

inline int64_t ld(int64_t v) { return std::max<int64_t>(1, v); }

// bfloat16 convolutions (autocast's on the CPU) keep the lowering above and do its GEMMs with the
// bf16 product of autocast's matmuls (matmul_bf16_2d: operands rounded to bf16, which widened bf16
// values already are, so exactly; products summed in float32). im2col and col2im run on float32
// copies of one sample's group block; each result stays float32 until it is complete (col2im's
// overlapping adds and the weight gradient's sum over samples included) and is rounded to bf16 once,
// as cuDNN's PSEUDO_BFLOAT16 convolutions and autocast's reference path round it.
constexpr int kWideInput = 2, kWideOutput = 3, kWeightBuffer = 4, kProductBuffer = 5;

void widen_bf16(const uint16_t* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = kernels::bf16_to_float(src[i]);
}

void round_to_bf16(const float* src, int64_t n, uint16_t* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = kernels::float_to_bf16(src[i]);
}

// The CPU's 16-bit GEMM rounds its operands to bfloat16, which would change float16 operands.
void refuse_float16(const char* op, const Tensor& x) {
  JDNN_CHECK(x.dtype == DType::BFLOAT16, op, ": expected bfloat16 or float32/float64 operands on the CPU, got ",
             x.describe(), "; float16 convolutions need a CUDA device (the CPU's 16-bit GEMM is bfloat16 only):"
             " use bfloat16 autocast on the CPU, or convert the operands to float32");
}

// y (bf16, no bias: the facade leaves the bias to an add, as for cuDNN) = the convolution of x and w.
void conv2d_bf16(const Tensor& x, const Tensor& w, Tensor& y, const Conv2dGeom& g) {
  refuse_float16("conv2d", x);
  const ConvShape s = conv_shape(x, w, y, g);
  const uint16_t* xs = x.data<uint16_t>();
  uint16_t* ys = y.data<uint16_t>();
  float* w32 = scratch<float, kWeightBuffer>(s.cout * s.k);  // the caller's buffer, read by every thread
  widen_bf16(w.data<uint16_t>(), s.cout * s.k, w32);
  for_each_sample(s.n, [&](int64_t n) {
    float* x32 = scratch<float, kWideInput>(s.cg * s.h * s.w);
    float* col = s.direct ? nullptr : scratch<float, kColBuffer>(s.k * s.p);
    float* y32 = scratch<float, kWideOutput>(s.coutg * s.p);
    for (int64_t gi = 0; gi < s.groups; ++gi) {
      widen_bf16(xs + (n * s.c + gi * s.cg) * s.h * s.w, s.cg * s.h * s.w, x32);
      const float* b = x32;
      if (!s.direct) {
        im2col(s, x32, col);
        b = col;
      }
      matmul_bf16_2d(w32 + gi * s.coutg * s.k, b, nullptr, y32, s.coutg, s.p, s.k, false, false);
      round_to_bf16(y32, s.coutg * s.p, ys + (n * s.cout + gi * s.coutg) * s.p);
    }
  });
}

// dx and dw in bf16 (either may be null; no bias gradient: the facade refuses it for 16-bit data).
void conv2d_backward_bf16(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx, Tensor* dw,
                          const Conv2dGeom& g) {
  refuse_float16("conv2d_backward", x);
  const ConvShape s = conv_shape(x, w, dy, g);
  const uint16_t *xs = x.data<uint16_t>(), *dys = dy.data<uint16_t>();
  const int64_t plane = s.cg * s.h * s.w;

  if (dx != nullptr) {  // dX_g = col2im(W_g^T dY_g), summed in float32, rounded once
    float* w32 = scratch<float, kWeightBuffer>(s.cout * s.k);
    widen_bf16(w.data<uint16_t>(), s.cout * s.k, w32);
    uint16_t* dxs = dx->data<uint16_t>();
    for_each_sample(s.n, [&](int64_t n) {
      float* dy32 = scratch<float, kWideOutput>(s.coutg * s.p);
      float* dx32 = scratch<float, kWideInput>(plane);
      float* dcol = s.direct ? nullptr : scratch<float, kColBuffer>(s.k * s.p);
      for (int64_t gi = 0; gi < s.groups; ++gi) {
        widen_bf16(dys + (n * s.cout + gi * s.coutg) * s.p, s.coutg * s.p, dy32);
        const float* wg = w32 + gi * s.coutg * s.k;
        if (s.direct) {
          matmul_bf16_2d(wg, dy32, nullptr, dx32, s.cg, s.p, s.coutg, true, false);
        } else {
          matmul_bf16_2d(wg, dy32, nullptr, dcol, s.k, s.p, s.coutg, true, false);
          std::fill(dx32, dx32 + plane, 0.0f);
          col2im(s, dcol, dx32);
        }
        round_to_bf16(dx32, plane, dxs + (n * s.c + gi * s.cg) * s.h * s.w);
      }
    });
  }

  if (dw != nullptr) {  // dW_g = sum_n dY_g col^T: float32 partial sums per block of samples, added in block order
    const int64_t wsize = s.cout * s.k;
    int64_t blocks = 1;
    if (batch_parallel(s.n)) {
      blocks = std::min<int64_t>(s.n, 4 * static_cast<int64_t>(num_threads()));
      blocks = std::max<int64_t>(1, std::min<int64_t>(blocks, kMaxPartialElements / std::max<int64_t>(1, wsize)));
    }
    float* partial = scratch<float, kPartialBuffer>(blocks * wsize);
    for_each_item(blocks, blocks > 1, [&](int64_t bi) {
      float* acc = partial + bi * wsize;
      std::fill(acc, acc + wsize, 0.0f);
      float* x32 = scratch<float, kWideInput>(plane);
      float* dy32 = scratch<float, kWideOutput>(s.coutg * s.p);
      float* col = s.direct ? nullptr : scratch<float, kColBuffer>(s.k * s.p);
      float* prod = scratch<float, kProductBuffer>(s.coutg * s.k);
      for (int64_t n = s.n * bi / blocks; n < s.n * (bi + 1) / blocks; ++n) {
        for (int64_t gi = 0; gi < s.groups; ++gi) {
          widen_bf16(xs + (n * s.c + gi * s.cg) * s.h * s.w, plane, x32);
          widen_bf16(dys + (n * s.cout + gi * s.coutg) * s.p, s.coutg * s.p, dy32);
          const float* b = x32;
          if (!s.direct) {
            im2col(s, x32, col);
            b = col;
          }
          matmul_bf16_2d(dy32, b, nullptr, prod, s.coutg, s.k, s.p, false, true);
          float* a = acc + gi * s.coutg * s.k;
          for (int64_t i = 0; i < s.coutg * s.k; ++i) a[i] += prod[i];
        }
      }
    });
    for (int64_t bi = 1; bi < blocks; ++bi) {
      const float* part = partial + bi * wsize;
      for (int64_t i = 0; i < wsize; ++i) partial[i] += part[i];
    }
    round_to_bf16(partial, wsize, dw->data<uint16_t>());
  }
}
}  // namespace

// With relu, each group's block of the output gets its ReLU right after its GEMM, while the block
// (Cout/groups x OH*OW values of one sample) is still in cache: no second pass over the whole output,
// and no second tensor, as a separate ReLU layer would need.
void CpuBackend::conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const Conv2dGeom& g,
                        bool relu) {
  if (is_half(x.dtype)) return conv2d_bf16(x, w, y, g);
  const ConvShape s = conv_shape(x, w, y, g);
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *xs = x.data<T>(), *ws = w.data<T>(), *bs = bias != nullptr ? bias->data<T>() : nullptr;
    T* ys = y.data<T>();
    for_each_sample(s.n, [&](int64_t n) {
      T* col = s.direct ? nullptr : scratch<T, kColBuffer>(s.k * s.p);
      for (int64_t gi = 0; gi < s.groups; ++gi) {
        const T* xg = xs + (n * s.c + gi * s.cg) * s.h * s.w;
        T* yg = ys + (n * s.cout + gi * s.coutg) * s.p;
        const T* b = xg;
        if (!s.direct) {
          im2col(s, xg, col);
          b = col;
        }
        T beta = 0;
        if (bs != nullptr) {  // bias rows first, the GEMM accumulates onto them
          for (int64_t co = 0; co < s.coutg; ++co) std::fill(yg + co * s.p, yg + (co + 1) * s.p, bs[gi * s.coutg + co]);
          beta = 1;
        }
        gemm<T>(false, false, s.coutg, s.p, s.k, T(1), ws + gi * s.coutg * s.k, ld(s.k), b, ld(s.p), beta, yg,
                ld(s.p));
        if (relu) {
          const kernels::Relu f;
          for (int64_t i = 0; i < s.coutg * s.p; ++i) yg[i] = f.fwd(yg[i], T(0), T(0));
        }
      }
    });
  });
}

void CpuBackend::conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx, Tensor* dw,
                                 Tensor* dbias, const Conv2dGeom& g) {
  if (is_half(x.dtype)) return conv2d_backward_bf16(x, w, dy, dx, dw, g);
  const ConvShape s = conv_shape(x, w, dy, g);
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *xs = x.data<T>(), *ws = w.data<T>(), *dys = dy.data<T>();

    if (dx != nullptr) {  // dX_g = col2im(W_g^T dY_g)
      T* dxs = dx->data<T>();
      for_each_sample(s.n, [&](int64_t n) {
        T* dcol = s.direct ? nullptr : scratch<T, kColBuffer>(s.k * s.p);
        for (int64_t gi = 0; gi < s.groups; ++gi) {
          const T* wg = ws + gi * s.coutg * s.k;
          const T* dyg = dys + (n * s.cout + gi * s.coutg) * s.p;
          T* dxg = dxs + (n * s.c + gi * s.cg) * s.h * s.w;
          if (s.direct) {
            gemm<T>(true, false, s.cg, s.p, s.coutg, T(1), wg, ld(s.k), dyg, ld(s.p), T(0), dxg, ld(s.p));
          } else {
            gemm<T>(true, false, s.k, s.p, s.coutg, T(1), wg, ld(s.k), dyg, ld(s.p), T(0), dcol, ld(s.p));
            std::fill(dxg, dxg + s.cg * s.h * s.w, T(0));
            col2im(s, dcol, dxg);
          }
        }
      });
    }

    if (dw != nullptr) {  // dW_g = sum_n dY_g col^T, one partial sum per block of samples
      T* dws = dw->data<T>();
      const int64_t wsize = s.cout * s.k;
      // Blocks of consecutive samples, a few per thread so a slow thread can be made up for.
      int64_t blocks = 1;
      if (batch_parallel(s.n)) {
        blocks = std::min<int64_t>(s.n, 4 * static_cast<int64_t>(num_threads()));
        blocks = std::max<int64_t>(1, std::min<int64_t>(blocks, kMaxPartialElements / std::max<int64_t>(1, wsize)));
      }
      T* partial = blocks > 1 ? scratch<T, kPartialBuffer>((blocks - 1) * wsize) : nullptr;
      for_each_item(blocks, blocks > 1, [&](int64_t bi) {
        T* acc = bi == 0 ? dws : partial + (bi - 1) * wsize;
        const int64_t n0 = s.n * bi / blocks, n1 = s.n * (bi + 1) / blocks;
        if (n0 == n1) {
          std::fill(acc, acc + wsize, T(0));
          return;
        }
        T* col = s.direct ? nullptr : scratch<T, kColBuffer>(s.k * s.p);
        for (int64_t n = n0; n < n1; ++n) {
          for (int64_t gi = 0; gi < s.groups; ++gi) {
            const T* xg = xs + (n * s.c + gi * s.cg) * s.h * s.w;
            const T* dyg = dys + (n * s.cout + gi * s.coutg) * s.p;
            const T* b = xg;
            if (!s.direct) {
              im2col(s, xg, col);
              b = col;
            }
            gemm<T>(false, true, s.coutg, s.k, s.p, T(1), dyg, ld(s.p), b, ld(s.p), n == n0 ? T(0) : T(1),
                    acc + gi * s.coutg * s.k, ld(s.k));
          }
        }
      });
      for (int64_t bi = 1; bi < blocks; ++bi) {
        const T* part = partial + (bi - 1) * wsize;
        for (int64_t i = 0; i < wsize; ++i) dws[i] += part[i];
      }
    }

    if (dbias != nullptr) {  // dbias[co] = sum over samples and pixels of dY
      T* dbs = dbias->data<T>();
      const int64_t per_channel = std::max<int64_t>(1, s.n * s.p);
      parallel_for(s.cout, std::max<int64_t>(1, kElementwiseGrain / per_channel), [&](int64_t c0, int64_t c1) {
        for (int64_t co = c0; co < c1; ++co) {
          double sum = 0;
          for (int64_t n = 0; n < s.n; ++n) sum += row_sum(dys + (n * s.cout + co) * s.p, s.p);
          dbs[co] = static_cast<T>(sum);
        }
      });
    }
  });
}

}  // namespace jdnn::cpu
