// The emulated cuDNN convolution algorithms (see emu/cudnn_conv.cpp for the
// convolutions themselves): which exist, the math type Find reports for each,
// their workspaces, and the Find and Get*WorkspaceSize entries.
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
//   applies (cudnn_emu.h, tf32_applies) and for 16-bit data, the GEMM
//   algorithms are reported as their tensor-core variants
//   (CUDNN_TENSOR_OP_MATH), the others as DEFAULT_MATH; otherwise the
//   descriptor's math type.
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

#include "cuda/emu/cudnn_conv_emu.h"

namespace jdnn::vendor::emu {

namespace {

// Workspace of the GEMM algorithms: the im2col matrix of one sample.
size_t im2col_bytes(const Geom& g, cudnnDataType_t t) {
  return static_cast<size_t>(g.cg) * g.kh * g.kw * g.oh * g.ow * elem_size(t);
}

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
// 16-bit data (float32 compute) runs the GEMM algorithms on tensor cores under DEFAULT_MATH as well,
// with no TF32 rounding (its operands are already 16-bit) and no extra workspace.
cudnnMathType_t reported_math(const AlgoInfo& a, cudnnDataType_t t, cudnnMathType_t desc) {
  if (a.gemm && desc == CUDNN_DEFAULT_MATH && (tf32_applies(t, desc) || half_type(t))) return CUDNN_TENSOR_OP_MATH;
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

}  // namespace

// An algorithm the emulation has, the math type a Find on this handle reported for it, enough
// workspace in device memory (declared in cudnn_conv_emu.h).
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

// ---- algorithm search ---------------------------------------------------------------------

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

}  // namespace jdnn::vendor::emu
