// The emulated cuDNN convolution entries (see emu/cudnn.cpp for the common
// rules): 2-D NCHW convolutions with padding, strides, dilation, groups and
// both modes, as direct loops over every product the convolution sums.
//
// Algorithm search does not time anything: the emulation accepts a few
// algorithms per direction, reports nominal times that rank the one with a
// workspace first (so the backend's workspace path runs in CI), and checks on
// execution that the workspace given covers the algorithm's need.
//
// Math types, as the preconditions of the cuDNN API reference put them:
// - Each perf result of a Find names "the math type provided to the
//   algorithm" (cudnnConvolution*AlgoPerf_t::mathType); an algorithm's
//   tensor-core and FMA variants are different kernels with different
//   workspaces, so the caller must set that math type on the descriptor before
//   running the algorithm. The emulation remembers, per handle, what each Find
//   reported for a configuration and algorithm, and a convolution whose
//   descriptor names another math type fails with CUDNN_STATUS_NOT_SUPPORTED
//   (the status the reference gives for a combination of descriptors and
//   algorithm that is not supported).
// - What the emulated Find reports: under CUDNN_FMA_MATH every algorithm is an
//   FMA kernel (FMA_MATH); under CUDNN_DEFAULT_MATH, for float data where TF32
//   applies (cudnn_emu.h, tf32_applies), the GEMM algorithms are reported as
//   their TF32 tensor-core variants (CUDNN_TENSOR_OP_MATH), the others as
//   DEFAULT_MATH; otherwise the descriptor's math type.
// - Workspace depends on algorithm and math type: the GEMM algorithms need the
//   im2col matrix of one sample, and their tensor-core variant a TF32 copy of
//   the filter besides. Get*WorkspaceSize answers for the descriptor's math
//   type, Find reports the variant it timed, and a convolution given less
//   workspace than its algorithm and math type need fails with
//   CUDNN_STATUS_BAD_PARAM.
// - Float inputs are rounded to TF32 before they are multiplied wherever
//   tf32_applies (math type other than FMA_MATH on compute capability >= 8.0,
//   NVIDIA_TF32_OVERRIDE not 0), in every algorithm: the reference permits
//   TF32 there, and the emulation takes the least accurate permitted result.
#include <algorithm>
#include <vector>

#include "cuda/emu/cudnn_emu.h"

namespace jdnn::vendor::emu {

namespace {

// ---- convolution geometry ----------------------------------------------------------

struct Geom {
  int n, c, h, w;      // input
  int k, cg, kh, kw;   // filter: output channels, channels per group, kernel
  int oh, ow;          // output
  int ph, pw, u, v, dh, dw, groups;
  bool flip;
};

int out_size(int in, int pad, int filter, int dil, int stride) {
  return 1 + (in + 2 * pad - ((filter - 1) * dil + 1)) / stride;
}

// Validates x / filter / conv (and y when given) as a 2-D convolution and fills g.
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
  if (!computable(x->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  return CUDNN_STATUS_SUCCESS;
}

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

// Workspace of the GEMM algorithms: the im2col matrix of one sample.
size_t im2col_bytes(const Geom& g, cudnnDataType_t t) {
  return static_cast<size_t>(g.cg) * g.kh * g.kw * g.oh * g.ow * elem_size(t);
}

enum Direction : int64_t { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };

// The emulation's algorithms per direction: {algo, GEMM (im2col workspace, tensor-core
// variant), nominal ms}.
struct AlgoInfo {
  int algo;
  bool gemm;
  float ms;
};
const std::vector<AlgoInfo> kFwdAlgos = {{CUDNN_CONVOLUTION_FWD_ALGO_GEMM, true, 0.5f},
                                         {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, false, 1.0f},
                                         {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, false, 1.5f}};
const std::vector<AlgoInfo> kBwdDataAlgos = {{CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, true, 0.5f},
                                             {CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, false, 1.0f}};
const std::vector<AlgoInfo> kBwdFilterAlgos = {{CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, true, 0.5f},
                                               {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, false, 1.0f},
                                               {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3, false, 1.5f}};

const std::vector<AlgoInfo>& algos_of(Direction dir) {
  return dir == kForward ? kFwdAlgos : dir == kBackwardData ? kBwdDataAlgos : kBwdFilterAlgos;
}

const AlgoInfo* find_algo(Direction dir, int algo) {
  for (const AlgoInfo& a : algos_of(dir))
    if (a.algo == algo) return &a;
  return nullptr;
}

bool tensor_op(cudnnMathType_t m) { return m == CUDNN_TENSOR_OP_MATH || m == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION; }

// Workspace of algorithm a run under math type m (see the file comment).
size_t workspace_need(const AlgoInfo& a, const Geom& g, cudnnDataType_t t, cudnnMathType_t m) {
  if (!a.gemm) return 0;
  const size_t filter = static_cast<size_t>(g.k) * g.cg * g.kh * g.kw * sizeof(float);
  return im2col_bytes(g, t) + (tensor_op(m) && tf32_applies(t, m) ? filter : 0);
}

// The math type the emulated Find reports for algorithm a under the descriptor's math type.
cudnnMathType_t reported_math(const AlgoInfo& a, cudnnDataType_t t, cudnnMathType_t desc) {
  if (a.gemm && desc == CUDNN_DEFAULT_MATH && tf32_applies(t, desc)) return CUDNN_TENSOR_OP_MATH;
  return desc;
}

FoundKey found_key(Direction dir, const Geom& g, cudnnDataType_t t, int algo) {
  return FoundKey{dir, t, g.n, g.c, g.h, g.w, g.k, g.cg, g.kh, g.kw, g.ph, g.pw, g.u, g.v, g.dh, g.dw, g.groups,
                  g.flip ? 1 : 0, algo, 0};
}

cudnnStatus_t workspace_size(cudnnHandle_t handle, Direction dir, int algo, const Geom& g, cudnnDataType_t t,
                             cudnnMathType_t m, size_t* size) {
  if (handle == nullptr || size == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const AlgoInfo* a = find_algo(dir, algo);
  if (a == nullptr) return CUDNN_STATUS_NOT_SUPPORTED;
  *size = workspace_need(*a, g, t, m);
  return CUDNN_STATUS_SUCCESS;
}

// The preconditions of running algorithm algo (see the file comment): an algorithm the emulation
// has, the math type a Find on this handle reported for it, enough workspace in device memory.
cudnnStatus_t check_run(cudnnHandle_t handle, Direction dir, int algo, const Geom& g, cudnnDataType_t t,
                        cudnnMathType_t m, const void* ws, size_t ws_bytes) {
  const AlgoInfo* a = find_algo(dir, algo);
  if (a == nullptr) return CUDNN_STATUS_NOT_SUPPORTED;
  const auto found = handle->found_math.find(found_key(dir, g, t, algo));
  if (found != handle->found_math.end() && found->second != m) return CUDNN_STATUS_NOT_SUPPORTED;
  const size_t need = workspace_need(*a, g, t, m);
  if (need > 0 && (ws == nullptr || ws_bytes < need)) return CUDNN_STATUS_BAD_PARAM;
  // All the bytes the caller vouches for must be device memory, not only those this algorithm uses.
  if (ws != nullptr && !is_device_range(ws, ws_bytes)) return CUDNN_STATUS_EXECUTION_FAILED;
  return CUDNN_STATUS_SUCCESS;
}

// Fills perf results: the algorithms whose workspace fits, fastest first, then those that do not
// fit with status NOT_SUPPORTED; records the math type reported for each on the handle.
template <class Perf, class Algo>
cudnnStatus_t find_algos(cudnnHandle_t handle, Direction dir, const Geom& g, cudnnDataType_t t, cudnnMathType_t math,
                         size_t ws_bytes, int requested, int* returned, Perf* perf) {
  if (requested < 1 || returned == nullptr || perf == nullptr) return CUDNN_STATUS_BAD_PARAM;
  std::vector<Perf> fit, unfit;
  for (const AlgoInfo& a : algos_of(dir)) {
    Perf p{};
    p.algo = static_cast<Algo>(a.algo);
    p.mathType = reported_math(a, t, math);
    p.memory = workspace_need(a, g, t, p.mathType);
    p.determinism = CUDNN_DETERMINISTIC;
    handle->found_math[found_key(dir, g, t, a.algo)] = p.mathType;
    if (p.memory <= ws_bytes) {
      p.status = CUDNN_STATUS_SUCCESS;
      p.time = a.ms;
      fit.push_back(p);
    } else {
      p.status = CUDNN_STATUS_NOT_SUPPORTED;
      p.time = -1.0f;
      unfit.push_back(p);
    }
  }
  std::stable_sort(fit.begin(), fit.end(), [](const Perf& a, const Perf& b) { return a.time < b.time; });
  fit.insert(fit.end(), unfit.begin(), unfit.end());
  const int n = std::min<int>(requested, static_cast<int>(fit.size()));
  for (int i = 0; i < n; ++i) perf[i] = fit[i];
  *returned = n;
  return CUDNN_STATUS_SUCCESS;
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

cudnnStatus_t cudnnFindConvolutionForwardAlgorithmEx(cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc,
                                                     const void* x, const cudnnFilterDescriptor_t wDesc,
                                                     const void* w, const cudnnConvolutionDescriptor_t convDesc,
                                                     const cudnnTensorDescriptor_t yDesc, void* y,
                                                     const int requestedAlgoCount, int* returnedAlgoCount,
                                                     cudnnConvolutionFwdAlgoPerf_t* perfResults, void* workSpace,
                                                     size_t workSpaceSizeInBytes) {
  Geom g{};
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const cudnnStatus_t st = make_geom(xDesc, wDesc, convDesc, yDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(x, *xDesc) || !on_device(w, *wDesc) || !on_device(y, *yDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  if (workSpaceSizeInBytes > 0 && !is_device_range(workSpace, workSpaceSizeInBytes))
    return CUDNN_STATUS_EXECUTION_FAILED;
  return find_algos<cudnnConvolutionFwdAlgoPerf_t, cudnnConvolutionFwdAlgo_t>(
      handle, kForward, g, xDesc->dtype, convDesc->math, workSpaceSizeInBytes, requestedAlgoCount, returnedAlgoCount,
      perfResults);
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc,
                                                      const cudnnFilterDescriptor_t wDesc,
                                                      const cudnnConvolutionDescriptor_t convDesc,
                                                      const cudnnTensorDescriptor_t yDesc,
                                                      cudnnConvolutionFwdAlgo_t algo, size_t* sizeInBytes) {
  Geom g{};
  const cudnnStatus_t st = make_geom(xDesc, wDesc, convDesc, yDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  return workspace_size(handle, kForward, algo, g, xDesc->dtype, convDesc->math, sizeInBytes);
}

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

cudnnStatus_t cudnnFindConvolutionBackwardDataAlgorithmEx(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnTensorDescriptor_t dyDesc,
    const void* dy, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc, void* dx,
    const int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionBwdDataAlgoPerf_t* perfResults,
    void* workSpace, size_t workSpaceSizeInBytes) {
  Geom g{};
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const cudnnStatus_t st = make_geom(dxDesc, wDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(dx, *dxDesc) || !on_device(w, *wDesc) || !on_device(dy, *dyDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  if (workSpaceSizeInBytes > 0 && !is_device_range(workSpace, workSpaceSizeInBytes))
    return CUDNN_STATUS_EXECUTION_FAILED;
  return find_algos<cudnnConvolutionBwdDataAlgoPerf_t, cudnnConvolutionBwdDataAlgo_t>(
      handle, kBackwardData, g, dxDesc->dtype, convDesc->math, workSpaceSizeInBytes, requestedAlgoCount,
      returnedAlgoCount, perfResults);
}

cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc,
                                                           const cudnnTensorDescriptor_t dyDesc,
                                                           const cudnnConvolutionDescriptor_t convDesc,
                                                           const cudnnTensorDescriptor_t dxDesc,
                                                           cudnnConvolutionBwdDataAlgo_t algo, size_t* sizeInBytes) {
  Geom g{};
  const cudnnStatus_t st = make_geom(dxDesc, wDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  return workspace_size(handle, kBackwardData, algo, g, dxDesc->dtype, convDesc->math, sizeInBytes);
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

cudnnStatus_t cudnnFindConvolutionBackwardFilterAlgorithmEx(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t dyDesc,
    const void* y, const cudnnConvolutionDescriptor_t convDesc, const cudnnFilterDescriptor_t dwDesc, void* dw,
    const int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionBwdFilterAlgoPerf_t* perfResults,
    void* workSpace, size_t workSpaceSizeInBytes) {
  Geom g{};
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const cudnnStatus_t st = make_geom(xDesc, dwDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(x, *xDesc) || !on_device(dw, *dwDesc) || !on_device(y, *dyDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  if (workSpaceSizeInBytes > 0 && !is_device_range(workSpace, workSpaceSizeInBytes))
    return CUDNN_STATUS_EXECUTION_FAILED;
  return find_algos<cudnnConvolutionBwdFilterAlgoPerf_t, cudnnConvolutionBwdFilterAlgo_t>(
      handle, kBackwardFilter, g, xDesc->dtype, convDesc->math, workSpaceSizeInBytes, requestedAlgoCount,
      returnedAlgoCount, perfResults);
}

cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc,
                                                             const cudnnTensorDescriptor_t dyDesc,
                                                             const cudnnConvolutionDescriptor_t convDesc,
                                                             const cudnnFilterDescriptor_t gradDesc,
                                                             cudnnConvolutionBwdFilterAlgo_t algo,
                                                             size_t* sizeInBytes) {
  Geom g{};
  const cudnnStatus_t st = make_geom(xDesc, gradDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  return workspace_size(handle, kBackwardFilter, algo, g, xDesc->dtype, convDesc->math, sizeInBytes);
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
