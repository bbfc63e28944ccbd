// The emulated cuDNN convolution entries (see emu/cudnn.cpp for the common
// rules): 2-D NCHW convolutions with padding, strides, dilation, groups and
// both modes, as direct loops over every product the convolution sums.
// Float inputs are rounded to TF32 first wherever tf32_applies (cudnn_emu.h).
//
// Which algorithms exist, their math types and workspaces, and the Find
// entries live in cudnn_conv_find.cpp; check_run (there) is what every
// convolution below must pass first.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cuda/emu/cudnn_conv_emu.h"

namespace jdnn::vendor::emu {

namespace {

int out_size(int in, int pad, int filter, int dil, int stride) {
  return 1 + (in + 2 * pad - ((filter - 1) * dil + 1)) / stride;
}

}  // namespace

// The geometry the descriptors describe (declared in cudnn_conv_emu.h).
cudnnStatus_t make_geom(const cudnnTensorStruct* x, const cudnnFilterStruct* f, const cudnnConvolutionStruct* cv,
                        const cudnnTensorStruct* y, Geom& g) {
  if (!usable(x) || !usable(f) || !usable(cv)) return CUDNN_STATUS_BAD_PARAM;
  if (x->nb != 4) return CUDNN_STATUS_NOT_SUPPORTED;  // the emulation does 2-D convolutions only
  if (x->dtype != f->dtype) return CUDNN_STATUS_BAD_PARAM;
  if (f->c * cv->groups != x->dims[1] || f->k % cv->groups != 0) return CUDNN_STATUS_BAD_PARAM;
  g.n = x->dims[0];
  g.c = x->dims[1];
  g.h = x->dims[2];
  g.w = x->dims[3];
  g.k = f->k;
  g.cg = f->c;
  g.kh = f->h;
  g.kw = f->w;
  g.ph = cv->pad_h;
  g.pw = cv->pad_w;
  g.u = cv->u;
  g.v = cv->v;
  g.dh = cv->dil_h;
  g.dw = cv->dil_w;
  g.groups = cv->groups;
  g.flip = cv->mode == CUDNN_CONVOLUTION;
  g.oh = out_size(g.h, g.ph, g.kh, g.dh, g.u);
  g.ow = out_size(g.w, g.pw, g.kw, g.dw, g.v);
  if (g.oh < 1 || g.ow < 1) return CUDNN_STATUS_BAD_PARAM;
  if (y != nullptr) {
    if (!usable(y) || y->nb != 4 || y->dtype != x->dtype) return CUDNN_STATUS_BAD_PARAM;
    if (y->dims[0] != g.n || y->dims[1] != g.k || y->dims[2] != g.oh || y->dims[3] != g.ow)
      return CUDNN_STATUS_BAD_PARAM;
  }
  if (!conv_computable(x->dtype, cv->compute)) return CUDNN_STATUS_NOT_SUPPORTED;
  return CUDNN_STATUS_SUCCESS;
}

namespace {

int64_t filter_offset(const cudnnFilterStruct& f, int k, int c, int r, int s) {
  if (f.format == CUDNN_TENSOR_NHWC) return ((int64_t(k) * f.h + r) * f.w + s) * f.c + c;
  return ((int64_t(k) * f.c + c) * f.h + r) * f.w + s;
}

// Calls tap(x index, filter (k, c, r, s), y index) for every product the convolution sums,
// with x and y indices packed row-major over (n, c, h, w) and (n, k, oh, ow).
template <class Tap>
void for_each_tap(const Geom& g, Tap tap) {
  const int kpg = g.k / g.groups;
  for (int n = 0; n < g.n; ++n)
    for (int k = 0; k < g.k; ++k) {
      const int c0 = (k / kpg) * g.cg;
      for (int oh = 0; oh < g.oh; ++oh)
        for (int ow = 0; ow < g.ow; ++ow) {
          const int64_t yi = ((int64_t(n) * g.k + k) * g.oh + oh) * g.ow + ow;
          for (int c = 0; c < g.cg; ++c)
            for (int r = 0; r < g.kh; ++r) {
              const int ih = oh * g.u - g.ph + r * g.dh;
              if (ih < 0 || ih >= g.h) continue;
              for (int s = 0; s < g.kw; ++s) {
                const int iw = ow * g.v - g.pw + s * g.dw;
                if (iw < 0 || iw >= g.w) continue;
                const int64_t xi = ((int64_t(n) * g.c + c0 + c) * g.h + ih) * g.w + iw;
                // Convolution mode turns the kernel by 180 degrees.
                const int fr = g.flip ? g.kh - 1 - r : r, fs = g.flip ? g.kw - 1 - s : s;
                tap(xi, k, c, fr, fs, yi);
              }
            }
        }
    }
}

// An operand of the products: float data rounded to TF32 where that applies.
double operand(const void* p, cudnnDataType_t t, int64_t off, bool tf32) {
  const double v = load(p, t, off);
  return tf32 ? to_tf32(static_cast<float>(v)) : v;
}

// The three convolutions as queued: descriptors by value, scales already read.
void forward(const Geom& g, const cudnnTensorStruct& xd, const void* x, const cudnnFilterStruct& f, const void* w,
             const cudnnTensorStruct& yd, void* y, double a, double b, bool tf32) {
  const cudnnDataType_t t = xd.dtype;
  std::vector<double> acc(static_cast<size_t>(numel(yd)), 0.0);
  std::vector<int64_t> x_off(static_cast<size_t>(numel(xd)));
  for (size_t i = 0; i < x_off.size(); ++i) x_off[i] = offset_of(xd, static_cast<int64_t>(i));
  for_each_tap(g, [&](int64_t xi, int k, int c, int r, int s, int64_t yi) {
    acc[yi] += operand(x, t, x_off[xi], tf32) * operand(w, t, filter_offset(f, k, c, r, s), tf32);
  });
  for (size_t i = 0; i < acc.size(); ++i) blend(y, t, offset_of(yd, static_cast<int64_t>(i)), a, acc[i], b);
}

// y = act(alpha1 * conv(x, w) + alpha2 * z + bias), z not read when alpha2 is 0 (it may be y
// itself, unwritten). Rounding as the unfused calls round: the convolution's sum rounded to the
// data type first, then the bias and z added and rounded again, then the activation.
struct FusedTail {
  double a1, a2;
  cudnnActivationMode_t mode;
  cudnnNanPropagation_t nan;
};

void forward_bias_activation(const Geom& g, const cudnnTensorStruct& xd, const void* x, const cudnnFilterStruct& f,
                             const void* w, const cudnnTensorStruct& zd, const void* z, const cudnnTensorStruct& bd,
                             const void* bias, const cudnnTensorStruct& yd, void* y, const FusedTail& tail,
                             bool tf32) {
  const cudnnDataType_t t = xd.dtype;
  std::vector<double> acc(static_cast<size_t>(numel(yd)), 0.0);
  std::vector<int64_t> x_off(static_cast<size_t>(numel(xd)));
  for (size_t i = 0; i < x_off.size(); ++i) x_off[i] = offset_of(xd, static_cast<int64_t>(i));
  for_each_tap(g, [&](int64_t xi, int k, int c, int r, int s, int64_t yi) {
    acc[yi] += operand(x, t, x_off[xi], tf32) * operand(w, t, filter_offset(f, k, c, r, s), tf32);
  });
  const int64_t plane = int64_t(g.oh) * g.ow;
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t li = static_cast<int64_t>(i);
    const int k = static_cast<int>((li / plane) % g.k);
    double v = round_to(t, tail.a1 * acc[i]);
    if (tail.a2 != 0) v += tail.a2 * load(z, t, offset_of(zd, li));
    v = round_to(t, v + load(bias, t, int64_t(k) * bd.strides[1]));
    // ReLU: NaN stays NaN under CUDNN_PROPAGATE_NAN and becomes 0 under CUDNN_NOT_PROPAGATE_NAN.
    if (tail.mode == CUDNN_ACTIVATION_RELU) v = std::isnan(v) ? (tail.nan == CUDNN_PROPAGATE_NAN ? v : 0.0) : std::max(v, 0.0);
    store(y, t, offset_of(yd, li), v);
  }
}

void backward_data(const Geom& g, const cudnnFilterStruct& f, const void* w, const cudnnTensorStruct& dyd,
                   const void* dy, const cudnnTensorStruct& dxd, void* dx, double a, double b, bool tf32) {
  const cudnnDataType_t t = dxd.dtype;
  std::vector<double> acc(static_cast<size_t>(numel(dxd)), 0.0);
  std::vector<int64_t> dy_off(static_cast<size_t>(numel(dyd)));
  for (size_t i = 0; i < dy_off.size(); ++i) dy_off[i] = offset_of(dyd, static_cast<int64_t>(i));
  for_each_tap(g, [&](int64_t xi, int k, int c, int r, int s, int64_t yi) {
    acc[xi] += operand(dy, t, dy_off[yi], tf32) * operand(w, t, filter_offset(f, k, c, r, s), tf32);
  });
  for (size_t i = 0; i < acc.size(); ++i) blend(dx, t, offset_of(dxd, static_cast<int64_t>(i)), a, acc[i], b);
}

void backward_filter(const Geom& g, const cudnnTensorStruct& xd, const void* x, const cudnnTensorStruct& dyd,
                     const void* dy, const cudnnFilterStruct& f, void* dw, double a, double b, bool tf32) {
  const cudnnDataType_t t = xd.dtype;
  std::vector<double> acc(static_cast<size_t>(filter_numel(f)), 0.0);
  std::vector<int64_t> x_off(static_cast<size_t>(numel(xd))), dy_off(static_cast<size_t>(numel(dyd)));
  for (size_t i = 0; i < x_off.size(); ++i) x_off[i] = offset_of(xd, static_cast<int64_t>(i));
  for (size_t i = 0; i < dy_off.size(); ++i) dy_off[i] = offset_of(dyd, static_cast<int64_t>(i));
  for_each_tap(g, [&](int64_t xi, int k, int c, int r, int s, int64_t yi) {
    acc[filter_offset(f, k, c, r, s)] += operand(x, t, x_off[xi], tf32) * operand(dy, t, dy_off[yi], tf32);
  });
  for (size_t i = 0; i < acc.size(); ++i) blend(dw, t, static_cast<int64_t>(i), a, acc[i], b);
}

}  // namespace

cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(const cudnnConvolutionDescriptor_t convDesc,
                                                    const cudnnTensorDescriptor_t inputTensorDesc,
                                                    const cudnnFilterDescriptor_t filterDesc, int* n, int* c, int* h,
                                                    int* w) {
  if (n == nullptr || c == nullptr || h == nullptr || w == nullptr) return CUDNN_STATUS_BAD_PARAM;
  Geom g{};
  const cudnnStatus_t st = make_geom(inputTensorDesc, filterDesc, convDesc, nullptr, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  *n = g.n;
  *c = g.k;
  *h = g.oh;
  *w = g.ow;
  return CUDNN_STATUS_SUCCESS;
}

// ---- convolution ------------------------------------------------------------------------

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t xDesc,
                                      const void* x, const cudnnFilterDescriptor_t wDesc, const void* w,
                                      const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t algo,
                                      void* workSpace, size_t workSpaceSizeInBytes, const void* beta,
                                      const cudnnTensorDescriptor_t yDesc, void* y) {
  Geom g{};
  if (handle == nullptr || alpha == nullptr || beta == nullptr) return CUDNN_STATUS_BAD_PARAM;
  cudnnStatus_t st = make_geom(xDesc, wDesc, convDesc, yDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const cudnnDataType_t t = xDesc->dtype;
  st = check_run(handle, kForward, algo, g, t, convDesc->math, workSpace, workSpaceSizeInBytes);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(x, *xDesc) || !on_device(w, *wDesc) || !on_device(y, *yDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const bool tf32 = tf32_applies(t, convDesc->math);
  submit(handle, "cudnnConvolutionForward",
         [g, xd = *xDesc, x, f = *wDesc, w, yd = *yDesc, y, a = scale(alpha, t), b = scale(beta, t), tf32] {
           forward(g, xd, x, f, w, yd, y, a, b, tf32);
         });
  return CUDNN_STATUS_SUCCESS;
}

// The fused forward, y = act(alpha1 * conv(x) + alpha2 * z + bias) (cuDNN API reference,
// cudnnConvolutionBiasActivationForward). Checked as the reference describes the call: the
// convolution's own preconditions (check_run: algorithm, math type, workspace); z described like
// y; bias one value per output channel, (1, K, 1, 1); a set activation descriptor. The call takes
// two activations, RELU and IDENTITY, and IDENTITY only with
// CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM (cudnnActivationMode_t); other modes, and
// IDENTITY with another algorithm, are NOT_SUPPORTED. z may be y itself (with alpha2 0 it is not
// read, as a zero beta's destination is not, so an unwritten y holding NaN does not leak in).
cudnnStatus_t cudnnConvolutionBiasActivationForward(
    cudnnHandle_t handle, const void* alpha1, const cudnnTensorDescriptor_t xDesc, const void* x,
    const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnConvolutionDescriptor_t convDesc,
    cudnnConvolutionFwdAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* alpha2,
    const cudnnTensorDescriptor_t zDesc, const void* z, const cudnnTensorDescriptor_t biasDesc, const void* bias,
    const cudnnActivationDescriptor_t activationDesc, const cudnnTensorDescriptor_t yDesc, void* y) {
  Geom g{};
  if (handle == nullptr || alpha1 == nullptr || alpha2 == nullptr || !usable(activationDesc))
    return CUDNN_STATUS_BAD_PARAM;
  cudnnStatus_t st = make_geom(xDesc, wDesc, convDesc, yDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!same_shape_and_type(zDesc, yDesc)) return CUDNN_STATUS_BAD_PARAM;
  if (!usable(biasDesc) || biasDesc->nb != 4 || biasDesc->dtype != yDesc->dtype || biasDesc->dims[0] != 1 ||
      biasDesc->dims[1] != g.k || biasDesc->dims[2] != 1 || biasDesc->dims[3] != 1)
    return CUDNN_STATUS_BAD_PARAM;
  const cudnnActivationMode_t mode = activationDesc->mode;
  if (mode != CUDNN_ACTIVATION_RELU && mode != CUDNN_ACTIVATION_IDENTITY) return CUDNN_STATUS_NOT_SUPPORTED;
  if (mode == CUDNN_ACTIVATION_IDENTITY && algo != CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM)
    return CUDNN_STATUS_NOT_SUPPORTED;
  const cudnnDataType_t t = xDesc->dtype;
  st = check_run(handle, kForward, algo, g, t, convDesc->math, workSpace, workSpaceSizeInBytes);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(x, *xDesc) || !on_device(w, *wDesc) || !on_device(y, *yDesc) || !on_device(z, *zDesc) ||
      !on_device(bias, *biasDesc))
    return CUDNN_STATUS_EXECUTION_FAILED;
  const bool tf32 = tf32_applies(t, convDesc->math);
  const FusedTail tail{scale(alpha1, t), scale(alpha2, t), mode, activationDesc->nan};
  submit(handle, "cudnnConvolutionBiasActivationForward",
         [g, xd = *xDesc, x, f = *wDesc, w, zd = *zDesc, z, bd = *biasDesc, bias, yd = *yDesc, y, tail, tf32] {
           forward_bias_activation(g, xd, x, f, w, zd, z, bd, bias, yd, y, tail, tf32);
         });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t handle, const void* alpha, const cudnnFilterDescriptor_t wDesc,
                                           const void* w, const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                           const cudnnConvolutionDescriptor_t convDesc,
                                           cudnnConvolutionBwdDataAlgo_t algo, void* workSpace,
                                           size_t workSpaceSizeInBytes, const void* beta,
                                           const cudnnTensorDescriptor_t dxDesc, void* dx) {
  Geom g{};
  if (handle == nullptr || alpha == nullptr || beta == nullptr) return CUDNN_STATUS_BAD_PARAM;
  cudnnStatus_t st = make_geom(dxDesc, wDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const cudnnDataType_t t = dxDesc->dtype;
  st = check_run(handle, kBackwardData, algo, g, t, convDesc->math, workSpace, workSpaceSizeInBytes);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(dx, *dxDesc) || !on_device(w, *wDesc) || !on_device(dy, *dyDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const bool tf32 = tf32_applies(t, convDesc->math);
  submit(handle, "cudnnConvolutionBackwardData",
         [g, f = *wDesc, w, dyd = *dyDesc, dy, dxd = *dxDesc, dx, a = scale(alpha, t), b = scale(beta, t), tf32] {
           backward_data(g, f, w, dyd, dy, dxd, dx, a, b, tf32);
         });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t handle, const void* alpha,
                                             const cudnnTensorDescriptor_t xDesc, const void* x,
                                             const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                             const cudnnConvolutionDescriptor_t convDesc,
                                             cudnnConvolutionBwdFilterAlgo_t algo, void* workSpace,
                                             size_t workSpaceSizeInBytes, const void* beta,
                                             const cudnnFilterDescriptor_t dwDesc, void* dw) {
  Geom g{};
  if (handle == nullptr || alpha == nullptr || beta == nullptr) return CUDNN_STATUS_BAD_PARAM;
  cudnnStatus_t st = make_geom(xDesc, dwDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const cudnnDataType_t t = xDesc->dtype;
  st = check_run(handle, kBackwardFilter, algo, g, t, convDesc->math, workSpace, workSpaceSizeInBytes);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(x, *xDesc) || !on_device(dw, *dwDesc) || !on_device(dy, *dyDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const bool tf32 = tf32_applies(t, convDesc->math);
  submit(handle, "cudnnConvolutionBackwardFilter",
         [g, xd = *xDesc, x, dyd = *dyDesc, dy, f = *dwDesc, dw, a = scale(alpha, t), b = scale(beta, t), tf32] {
           backward_filter(g, xd, x, dyd, dy, f, dw, a, b, tf32);
         });
  return CUDNN_STATUS_SUCCESS;
}

// db (1, K, 1, 1) = alpha * sum of dy over N, H, W + beta * db.
cudnnStatus_t cudnnConvolutionBackwardBias(cudnnHandle_t handle, const void* alpha,
                                           const cudnnTensorDescriptor_t dyDesc, const void* dy, const void* beta,
                                           const cudnnTensorDescriptor_t dbDesc, void* db) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || !usable(dyDesc) || !usable(dbDesc))
    return CUDNN_STATUS_BAD_PARAM;
  if (dyDesc->nb != dbDesc->nb || dyDesc->nb < 4 || dyDesc->dtype != dbDesc->dtype) return CUDNN_STATUS_BAD_PARAM;
  for (int i = 0; i < dbDesc->nb; ++i)
    if (dbDesc->dims[i] != (i == 1 ? dyDesc->dims[1] : 1)) return CUDNN_STATUS_BAD_PARAM;
  if (!computable(dyDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(dy, *dyDesc) || !on_device(db, *dbDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = dyDesc->dtype;
  submit(handle, "cudnnConvolutionBackwardBias",
         [dyd = *dyDesc, dy, db_stride = dbDesc->strides[1], db, t, a = scale(alpha, t), b = scale(beta, t)] {
           const int channels = dyd.dims[1];
           int64_t inner = 1;
           for (int i = 2; i < dyd.nb; ++i) inner *= dyd.dims[i];
           std::vector<double> acc(static_cast<size_t>(channels), 0.0);
           const int64_t n = numel(dyd);
           for (int64_t i = 0; i < n; ++i)
             acc[static_cast<size_t>((i / inner) % channels)] += load(dy, t, offset_of(dyd, i));
           for (int k = 0; k < channels; ++k) blend(db, t, int64_t(k) * db_stride, a, acc[k], b);
         });
  return CUDNN_STATUS_SUCCESS;
}

}  // namespace jdnn::vendor::emu
