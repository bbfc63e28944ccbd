// CPU emulation of the cuDNN 9 subset in vendor.h, written from the cuDNN API
// reference: descriptors hold what the Set* calls describe, and the compute
// entries are direct loops over the descriptors' dims and strides, accumulating
// in double. Alpha/beta follow the documented blending
// (dst = alpha * result + beta * dst, dst not read when beta is 0) and are
// host pointers to double for double data, to float otherwise.
//
// Data pointers must lie inside live emulated device allocations covering the
// extent their descriptor spans; a host pointer or a descriptor that overruns
// its buffer gives CUDNN_STATUS_EXECUTION_FAILED (on a GPU it would be an
// illegal address), so backend bugs surface in CI.
//
// Algorithm search does not time anything: the emulation accepts a few
// algorithms per direction, reports nominal times that rank the one with a
// workspace first (so the backend's workspace path runs in CI), and checks on
// execution that the workspace given covers the algorithm's need.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cuda/emu/vendor_emu.h"

namespace jdnn::vendor {

struct cudnnContext {
  cudaStream_t stream = nullptr;
};

constexpr int kDimMax = 8;  // CUDNN_DIM_MAX

struct cudnnTensorStruct {
  bool set = false;
  cudnnDataType_t dtype = CUDNN_DATA_FLOAT;
  int nb = 0;
  int dims[kDimMax] = {};
  int strides[kDimMax] = {};
};

struct cudnnFilterStruct {
  bool set = false;
  cudnnDataType_t dtype = CUDNN_DATA_FLOAT;
  cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW;
  int k = 0, c = 0, h = 0, w = 0;
};

struct cudnnConvolutionStruct {
  bool set = false;
  int pad_h = 0, pad_w = 0, u = 1, v = 1, dil_h = 1, dil_w = 1;
  cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
  cudnnDataType_t compute = CUDNN_DATA_FLOAT;
  int groups = 1;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

}  // namespace jdnn::vendor

namespace jdnn::vendor::emu {

namespace {

using cuda::emu::is_device_range;

bool computable(cudnnDataType_t t) { return t == CUDNN_DATA_FLOAT || t == CUDNN_DATA_DOUBLE; }
size_t elem_size(cudnnDataType_t t) { return t == CUDNN_DATA_DOUBLE ? 8 : t == CUDNN_DATA_FLOAT ? 4 : 2; }
bool known_type(cudnnDataType_t t) {
  return t == CUDNN_DATA_FLOAT || t == CUDNN_DATA_DOUBLE || t == CUDNN_DATA_HALF || t == CUDNN_DATA_BFLOAT16;
}

// A scaling factor as documented: double for double data, float for every other type.
double scale(const void* p, cudnnDataType_t data) {
  return data == CUDNN_DATA_DOUBLE ? *static_cast<const double*>(p) : *static_cast<const float*>(p);
}

int64_t numel(const cudnnTensorStruct& d) {
  int64_t n = 1;
  for (int i = 0; i < d.nb; ++i) n *= d.dims[i];
  return n;
}

// Memory offset of the element whose row-major position over the dims is `linear`.
int64_t offset_of(const cudnnTensorStruct& d, int64_t linear) {
  int64_t off = 0;
  for (int i = d.nb - 1; i >= 0; --i) {
    off += (linear % d.dims[i]) * d.strides[i];
    linear /= d.dims[i];
  }
  return off;
}

// Bytes from the base pointer to one past the furthest element the descriptor reaches.
size_t extent_bytes(const cudnnTensorStruct& d) {
  int64_t last = 0;
  for (int i = 0; i < d.nb; ++i) last += int64_t(d.dims[i] - 1) * d.strides[i];
  return static_cast<size_t>(last + 1) * elem_size(d.dtype);
}

bool on_device(const void* p, const cudnnTensorStruct& d) { return is_device_range(p, extent_bytes(d)); }

int64_t filter_numel(const cudnnFilterStruct& f) { return int64_t(f.k) * f.c * f.h * f.w; }
bool on_device(const void* p, const cudnnFilterStruct& f) {
  return is_device_range(p, static_cast<size_t>(filter_numel(f)) * elem_size(f.dtype));
}

// Reads / writes element `off` of typed data as double.
double load(const void* p, cudnnDataType_t t, int64_t off) {
  return t == CUDNN_DATA_DOUBLE ? static_cast<const double*>(p)[off] : static_cast<const float*>(p)[off];
}
void store(void* p, cudnnDataType_t t, int64_t off, double v) {
  if (t == CUDNN_DATA_DOUBLE) static_cast<double*>(p)[off] = v;
  else static_cast<float*>(p)[off] = static_cast<float>(v);
}

// dst = alpha * value + beta * dst, dst not read when beta is 0 (it may hold NaN).
void blend(void* p, cudnnDataType_t t, int64_t off, double alpha, double value, double beta) {
  const double r = alpha * value;
  store(p, t, off, beta == 0 ? r : r + beta * load(p, t, off));
}

bool same_dims(const cudnnTensorStruct& a, const cudnnTensorStruct& b) {
  if (a.nb != b.nb) return false;
  for (int i = 0; i < a.nb; ++i)
    if (a.dims[i] != b.dims[i]) return false;
  return true;
}

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
  if (x == nullptr || f == nullptr || cv == nullptr || !x->set || !f->set || !cv->set) return CUDNN_STATUS_BAD_PARAM;
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
    if (!y->set || y->nb != 4 || y->dtype != x->dtype) return CUDNN_STATUS_BAD_PARAM;
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

// Workspace the emulated algorithms ask for: the im2col matrix of one sample.
size_t im2col_bytes(const Geom& g, cudnnDataType_t t) {
  return static_cast<size_t>(g.cg) * g.kh * g.kw * g.oh * g.ow * elem_size(t);
}

// The emulation's algorithms per direction: {algo, workspace (true: im2col size), nominal ms}.
struct AlgoInfo {
  int algo;
  bool workspace;
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

const AlgoInfo* find_algo(const std::vector<AlgoInfo>& algos, int algo) {
  for (const AlgoInfo& a : algos)
    if (a.algo == algo) return &a;
  return nullptr;
}

cudnnStatus_t workspace_size(const std::vector<AlgoInfo>& algos, int algo, const Geom& g, cudnnDataType_t t,
                             size_t* size) {
  if (size == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const AlgoInfo* a = find_algo(algos, algo);
  if (a == nullptr) return CUDNN_STATUS_NOT_SUPPORTED;
  *size = a->workspace ? im2col_bytes(g, t) : 0;
  return CUDNN_STATUS_SUCCESS;
}

// The workspace given must cover the algorithm's need and be device memory.
cudnnStatus_t check_workspace(const std::vector<AlgoInfo>& algos, int algo, const Geom& g, cudnnDataType_t t,
                              const void* ws, size_t ws_bytes) {
  size_t need = 0;
  const cudnnStatus_t st = workspace_size(algos, algo, g, t, &need);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (need == 0) return CUDNN_STATUS_SUCCESS;
  if (ws == nullptr || ws_bytes < need) return CUDNN_STATUS_BAD_PARAM;
  return is_device_range(ws, need) ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_EXECUTION_FAILED;
}

// Fills perf results: the algorithms whose workspace fits, fastest first, then those that do not
// fit with status NOT_SUPPORTED.
template <class Perf, class Algo>
cudnnStatus_t find_algos(const std::vector<AlgoInfo>& algos, const Geom& g, cudnnDataType_t t, cudnnMathType_t math,
                         size_t ws_bytes, int requested, int* returned, Perf* perf) {
  if (requested < 1 || returned == nullptr || perf == nullptr) return CUDNN_STATUS_BAD_PARAM;
  std::vector<Perf> fit, unfit;
  for (const AlgoInfo& a : algos) {
    Perf p{};
    p.algo = static_cast<Algo>(a.algo);
    p.memory = a.workspace ? im2col_bytes(g, t) : 0;
    p.determinism = CUDNN_DETERMINISTIC;
    p.mathType = math;
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

// ---- batch normalization -------------------------------------------------------------

// The per-feature parameter shape of x for a mode: SPATIAL 1xCx1x1(x1), PER_ACTIVATION 1xCxHxW(xD).
bool bn_param_dims(const cudnnTensorStruct& x, cudnnBatchNormMode_t mode, int* dims) {
  if (x.nb != 4 && x.nb != 5) return false;
  for (int i = 0; i < x.nb; ++i) dims[i] = x.dims[i];
  dims[0] = 1;
  if (mode == CUDNN_BATCHNORM_SPATIAL || mode == CUDNN_BATCHNORM_SPATIAL_PERSISTENT) {
    for (int i = 2; i < x.nb; ++i) dims[i] = 1;
  } else if (mode != CUDNN_BATCHNORM_PER_ACTIVATION) {
    return false;
  }
  return true;
}

// Memory offsets of x / y elements and the parameter element each one belongs to.
struct BnMap {
  std::vector<int64_t> x_off, y_off, p_index;
  int64_t features = 0;
  std::vector<int64_t> p_off;  // memory offset of each feature in the parameter tensors
};

cudnnStatus_t bn_map(cudnnBatchNormMode_t mode, const cudnnTensorStruct* x, const cudnnTensorStruct* y,
                     const cudnnTensorStruct* p, BnMap& m) {
  if (x == nullptr || y == nullptr || p == nullptr || !x->set || !y->set || !p->set) return CUDNN_STATUS_BAD_PARAM;
  int dims[kDimMax];
  if (!bn_param_dims(*x, mode, dims)) return CUDNN_STATUS_BAD_PARAM;
  if (!same_dims(*x, *y) || p->nb != x->nb) return CUDNN_STATUS_BAD_PARAM;
  for (int i = 0; i < x->nb; ++i)
    if (p->dims[i] != dims[i]) return CUDNN_STATUS_BAD_PARAM;
  if (!computable(x->dtype) || y->dtype != x->dtype || p->dtype != x->dtype) return CUDNN_STATUS_NOT_SUPPORTED;
  const int64_t n = numel(*x);
  m.features = numel(*p);
  m.x_off.resize(n);
  m.y_off.resize(n);
  m.p_index.resize(n);
  m.p_off.resize(m.features);
  for (int64_t f = 0; f < m.features; ++f) m.p_off[f] = offset_of(*p, f);
  for (int64_t i = 0; i < n; ++i) {
    m.x_off[i] = offset_of(*x, i);
    m.y_off[i] = offset_of(*y, i);
    int64_t rest = i, pi = 0, pstride = 1;
    for (int d = x->nb - 1; d >= 0; --d) {
      const int64_t idx = rest % x->dims[d];
      rest /= x->dims[d];
      if (dims[d] > 1) {
        pi += idx * pstride;
        pstride *= dims[d];
      }
    }
    m.p_index[i] = pi;
  }
  return CUDNN_STATUS_SUCCESS;
}

// Per-feature mean and biased variance of x.
void bn_moments(const BnMap& m, const void* x, cudnnDataType_t t, std::vector<double>& mean,
                std::vector<double>& var, std::vector<int64_t>& count) {
  mean.assign(m.features, 0.0);
  var.assign(m.features, 0.0);
  count.assign(m.features, 0);
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    mean[m.p_index[i]] += load(x, t, m.x_off[i]);
    ++count[m.p_index[i]];
  }
  for (int64_t f = 0; f < m.features; ++f) mean[f] /= static_cast<double>(std::max<int64_t>(count[f], 1));
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const double d = load(x, t, m.x_off[i]) - mean[m.p_index[i]];
    var[m.p_index[i]] += d * d;
  }
  for (int64_t f = 0; f < m.features; ++f) var[f] /= static_cast<double>(std::max<int64_t>(count[f], 1));
}

size_t param_bytes(const cudnnTensorStruct& p) { return extent_bytes(p); }

}  // namespace

// ---- library, handle ------------------------------------------------------------------

// The emulation reports itself as cuDNN 9.19.0 (major * 10000 + minor * 100 + patch since 9.0),
// the release whose API reference it follows.
size_t cudnnGetVersion() { return 91900; }

const char* cudnnGetErrorString(cudnnStatus_t status) {
  switch (status) {
    case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
    case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
    case CUDNN_STATUS_INTERNAL_ERROR: return "CUDNN_STATUS_INTERNAL_ERROR";
    case CUDNN_STATUS_EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
  }
  return "CUDNN_STATUS_UNKNOWN";
}

cudnnStatus_t cudnnCreate(cudnnHandle_t* handle) {
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *handle = new cudnnContext();
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
  delete handle;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t stream) {
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  handle->stream = stream;
  return CUDNN_STATUS_SUCCESS;
}

// ---- descriptors ------------------------------------------------------------------------

cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* desc) {
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *desc = new cudnnTensorStruct();
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t desc) {
  delete desc;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t desc, cudnnTensorFormat_t format,
                                         cudnnDataType_t dataType, int n, int c, int h, int w) {
  if (desc == nullptr || !known_type(dataType) || n <= 0 || c <= 0 || h <= 0 || w <= 0) return CUDNN_STATUS_BAD_PARAM;
  if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_BAD_PARAM;
  desc->nb = 4;
  desc->dtype = dataType;
  desc->dims[0] = n;
  desc->dims[1] = c;
  desc->dims[2] = h;
  desc->dims[3] = w;
  if (format == CUDNN_TENSOR_NCHW) {
    desc->strides[3] = 1;
    desc->strides[2] = w;
    desc->strides[1] = h * w;
    desc->strides[0] = c * h * w;
  } else {
    desc->strides[1] = 1;
    desc->strides[3] = c;
    desc->strides[2] = w * c;
    desc->strides[0] = h * w * c;
  }
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

// Tensors have 4 to CUDNN_DIM_MAX dims (the reference asks lower-rank data to use unit dims).
cudnnStatus_t cudnnSetTensorNdDescriptor(cudnnTensorDescriptor_t desc, cudnnDataType_t dataType, int nbDims,
                                         const int dimA[], const int strideA[]) {
  if (desc == nullptr || dimA == nullptr || strideA == nullptr || !known_type(dataType)) return CUDNN_STATUS_BAD_PARAM;
  if (nbDims < 4 || nbDims > kDimMax) return CUDNN_STATUS_NOT_SUPPORTED;
  int64_t total = 1;
  for (int i = 0; i < nbDims; ++i) {
    if (dimA[i] <= 0 || strideA[i] <= 0) return CUDNN_STATUS_BAD_PARAM;
    total *= dimA[i];
  }
  if (total > (int64_t(1) << 31)) return CUDNN_STATUS_NOT_SUPPORTED;
  desc->nb = nbDims;
  desc->dtype = dataType;
  for (int i = 0; i < nbDims; ++i) {
    desc->dims[i] = dimA[i];
    desc->strides[i] = strideA[i];
  }
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* desc) {
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *desc = new cudnnFilterStruct();
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t desc) {
  delete desc;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t desc, cudnnDataType_t dataType,
                                         cudnnTensorFormat_t format, int k, int c, int h, int w) {
  if (desc == nullptr || !known_type(dataType) || k <= 0 || c <= 0 || h <= 0 || w <= 0) return CUDNN_STATUS_BAD_PARAM;
  if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_BAD_PARAM;
  *desc = cudnnFilterStruct{true, dataType, format, k, c, h, w};
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* desc) {
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *desc = new cudnnConvolutionStruct();
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t desc) {
  delete desc;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t desc, int pad_h, int pad_w, int u, int v,
                                              int dilation_h, int dilation_w, cudnnConvolutionMode_t mode,
                                              cudnnDataType_t computeType) {
  if (desc == nullptr || pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dilation_h <= 0 || dilation_w <= 0)
    return CUDNN_STATUS_BAD_PARAM;
  if ((mode != CUDNN_CONVOLUTION && mode != CUDNN_CROSS_CORRELATION) || !known_type(computeType))
    return CUDNN_STATUS_BAD_PARAM;
  desc->pad_h = pad_h;
  desc->pad_w = pad_w;
  desc->u = u;
  desc->v = v;
  desc->dil_h = dilation_h;
  desc->dil_w = dilation_w;
  desc->mode = mode;
  desc->compute = computeType;
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t desc, int groupCount) {
  if (desc == nullptr || groupCount < 1) return CUDNN_STATUS_BAD_PARAM;
  desc->groups = groupCount;
  return CUDNN_STATUS_SUCCESS;
}

// The emulation computes in double whatever the math type; it only records the choice.
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t desc, cudnnMathType_t mathType) {
  if (desc == nullptr || mathType < CUDNN_DEFAULT_MATH || mathType > CUDNN_FMA_MATH) return CUDNN_STATUS_BAD_PARAM;
  desc->math = mathType;
  return CUDNN_STATUS_SUCCESS;
}

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
      kFwdAlgos, g, xDesc->dtype, convDesc->math, workSpaceSizeInBytes, requestedAlgoCount, returnedAlgoCount,
      perfResults);
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc,
                                                      const cudnnFilterDescriptor_t wDesc,
                                                      const cudnnConvolutionDescriptor_t convDesc,
                                                      const cudnnTensorDescriptor_t yDesc,
                                                      cudnnConvolutionFwdAlgo_t algo, size_t* sizeInBytes) {
  Geom g{};
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const cudnnStatus_t st = make_geom(xDesc, wDesc, convDesc, yDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  return workspace_size(kFwdAlgos, algo, g, xDesc->dtype, sizeInBytes);
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
  st = check_workspace(kFwdAlgos, algo, g, xDesc->dtype, workSpace, workSpaceSizeInBytes);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(x, *xDesc) || !on_device(w, *wDesc) || !on_device(y, *yDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  std::vector<double> acc(static_cast<size_t>(numel(*yDesc)), 0.0);
  std::vector<int64_t> x_off(static_cast<size_t>(numel(*xDesc)));
  for (size_t i = 0; i < x_off.size(); ++i) x_off[i] = offset_of(*xDesc, static_cast<int64_t>(i));
  const cudnnFilterStruct& f = *wDesc;
  for_each_tap(g, [&](int64_t xi, int k, int c, int r, int s, int64_t yi) {
    acc[yi] += load(x, t, x_off[xi]) * load(w, t, filter_offset(f, k, c, r, s));
  });
  const double a = scale(alpha, t), b = scale(beta, t);
  for (size_t i = 0; i < acc.size(); ++i) blend(y, t, offset_of(*yDesc, static_cast<int64_t>(i)), a, acc[i], b);
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
      kBwdDataAlgos, g, dxDesc->dtype, convDesc->math, workSpaceSizeInBytes, requestedAlgoCount, returnedAlgoCount,
      perfResults);
}

cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc,
                                                           const cudnnTensorDescriptor_t dyDesc,
                                                           const cudnnConvolutionDescriptor_t convDesc,
                                                           const cudnnTensorDescriptor_t dxDesc,
                                                           cudnnConvolutionBwdDataAlgo_t algo, size_t* sizeInBytes) {
  Geom g{};
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const cudnnStatus_t st = make_geom(dxDesc, wDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  return workspace_size(kBwdDataAlgos, algo, g, dxDesc->dtype, sizeInBytes);
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
  st = check_workspace(kBwdDataAlgos, algo, g, dxDesc->dtype, workSpace, workSpaceSizeInBytes);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(dx, *dxDesc) || !on_device(w, *wDesc) || !on_device(dy, *dyDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = dxDesc->dtype;
  std::vector<double> acc(static_cast<size_t>(numel(*dxDesc)), 0.0);
  std::vector<int64_t> dy_off(static_cast<size_t>(numel(*dyDesc)));
  for (size_t i = 0; i < dy_off.size(); ++i) dy_off[i] = offset_of(*dyDesc, static_cast<int64_t>(i));
  const cudnnFilterStruct& f = *wDesc;
  for_each_tap(g, [&](int64_t xi, int k, int c, int r, int s, int64_t yi) {
    acc[xi] += load(dy, t, dy_off[yi]) * load(w, t, filter_offset(f, k, c, r, s));
  });
  const double a = scale(alpha, t), b = scale(beta, t);
  for (size_t i = 0; i < acc.size(); ++i) blend(dx, t, offset_of(*dxDesc, static_cast<int64_t>(i)), a, acc[i], b);
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
      kBwdFilterAlgos, g, xDesc->dtype, convDesc->math, workSpaceSizeInBytes, requestedAlgoCount, returnedAlgoCount,
      perfResults);
}

cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc,
                                                             const cudnnTensorDescriptor_t dyDesc,
                                                             const cudnnConvolutionDescriptor_t convDesc,
                                                             const cudnnFilterDescriptor_t gradDesc,
                                                             cudnnConvolutionBwdFilterAlgo_t algo,
                                                             size_t* sizeInBytes) {
  Geom g{};
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  const cudnnStatus_t st = make_geom(xDesc, gradDesc, convDesc, dyDesc, g);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  return workspace_size(kBwdFilterAlgos, algo, g, xDesc->dtype, sizeInBytes);
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
  st = check_workspace(kBwdFilterAlgos, algo, g, xDesc->dtype, workSpace, workSpaceSizeInBytes);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  if (!on_device(x, *xDesc) || !on_device(dw, *dwDesc) || !on_device(dy, *dyDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  const cudnnFilterStruct& f = *dwDesc;
  std::vector<double> acc(static_cast<size_t>(filter_numel(f)), 0.0);
  std::vector<int64_t> x_off(static_cast<size_t>(numel(*xDesc))), dy_off(static_cast<size_t>(numel(*dyDesc)));
  for (size_t i = 0; i < x_off.size(); ++i) x_off[i] = offset_of(*xDesc, static_cast<int64_t>(i));
  for (size_t i = 0; i < dy_off.size(); ++i) dy_off[i] = offset_of(*dyDesc, static_cast<int64_t>(i));
  for_each_tap(g, [&](int64_t xi, int k, int c, int r, int s, int64_t yi) {
    acc[filter_offset(f, k, c, r, s)] += load(x, t, x_off[xi]) * load(dy, t, dy_off[yi]);
  });
  const double a = scale(alpha, t), b = scale(beta, t);
  for (size_t i = 0; i < acc.size(); ++i) blend(dw, t, static_cast<int64_t>(i), a, acc[i], b);
  return CUDNN_STATUS_SUCCESS;
}

// db (1, K, 1, 1) = alpha * sum of dy over N, H, W + beta * db.
cudnnStatus_t cudnnConvolutionBackwardBias(cudnnHandle_t handle, const void* alpha,
                                           const cudnnTensorDescriptor_t dyDesc, const void* dy, const void* beta,
                                           const cudnnTensorDescriptor_t dbDesc, void* db) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || dyDesc == nullptr || dbDesc == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  if (!dyDesc->set || !dbDesc->set || dyDesc->nb != dbDesc->nb || dyDesc->nb < 4 || dyDesc->dtype != dbDesc->dtype)
    return CUDNN_STATUS_BAD_PARAM;
  for (int i = 0; i < dbDesc->nb; ++i)
    if (dbDesc->dims[i] != (i == 1 ? dyDesc->dims[1] : 1)) return CUDNN_STATUS_BAD_PARAM;
  if (!computable(dyDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(dy, *dyDesc) || !on_device(db, *dbDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = dyDesc->dtype;
  const int channels = dyDesc->dims[1];
  int64_t inner = 1;
  for (int i = 2; i < dyDesc->nb; ++i) inner *= dyDesc->dims[i];
  std::vector<double> acc(static_cast<size_t>(channels), 0.0);
  const int64_t n = numel(*dyDesc);
  for (int64_t i = 0; i < n; ++i) acc[static_cast<size_t>((i / inner) % channels)] += load(dy, t, offset_of(*dyDesc, i));
  const double a = scale(alpha, t), b = scale(beta, t);
  for (int k = 0; k < channels; ++k) blend(db, t, int64_t(k) * dbDesc->strides[1], a, acc[k], b);
  return CUDNN_STATUS_SUCCESS;
}

// C = alpha * A + beta * C, each dim of A equal to C's or 1 (broadcast); up to 5 dims.
cudnnStatus_t cudnnAddTensor(cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t aDesc,
                             const void* A, const void* beta, const cudnnTensorDescriptor_t cDesc, void* C) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || aDesc == nullptr || cDesc == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  if (!aDesc->set || !cDesc->set || aDesc->nb != cDesc->nb || aDesc->dtype != cDesc->dtype)
    return CUDNN_STATUS_BAD_PARAM;
  for (int i = 0; i < cDesc->nb; ++i)
    if (aDesc->dims[i] != cDesc->dims[i] && aDesc->dims[i] != 1) return CUDNN_STATUS_BAD_PARAM;
  if (cDesc->nb > 5 || !computable(cDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(A, *aDesc) || !on_device(C, *cDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = cDesc->dtype;
  const double a = scale(alpha, t), b = scale(beta, t);
  const int64_t n = numel(*cDesc);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, a_off = 0;
    for (int d = cDesc->nb - 1; d >= 0; --d) {
      const int64_t idx = rest % cDesc->dims[d];
      rest /= cDesc->dims[d];
      if (aDesc->dims[d] != 1) a_off += idx * aDesc->strides[d];
    }
    blend(C, t, offset_of(*cDesc, i), a, load(A, t, a_off), b);
  }
  return CUDNN_STATUS_SUCCESS;
}

// ---- softmax ----------------------------------------------------------------------------

namespace {

// Runs body(offsets of one softmax group) over x's groups: INSTANCE is one group per n over
// (C, H, W...), CHANNEL one per (n, h, w...) over C.
template <class Body>
cudnnStatus_t for_each_softmax_group(cudnnSoftmaxMode_t mode, const cudnnTensorStruct& d, Body body) {
  if (mode != CUDNN_SOFTMAX_MODE_INSTANCE && mode != CUDNN_SOFTMAX_MODE_CHANNEL) return CUDNN_STATUS_BAD_PARAM;
  const int64_t n = d.dims[0], c = d.dims[1], inner = numel(d) / (n * c);
  std::vector<int64_t> linear;
  if (mode == CUDNN_SOFTMAX_MODE_INSTANCE) {
    for (int64_t i = 0; i < n; ++i) {
      linear.clear();
      for (int64_t j = 0; j < c * inner; ++j) linear.push_back(i * c * inner + j);
      body(linear);
    }
  } else {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t s = 0; s < inner; ++s) {
        linear.clear();
        for (int64_t j = 0; j < c; ++j) linear.push_back((i * c + j) * inner + s);
        body(linear);
      }
  }
  return CUDNN_STATUS_SUCCESS;
}

bool softmax_descs_ok(const cudnnTensorStruct* a, const cudnnTensorStruct* b) {
  return a != nullptr && b != nullptr && a->set && b->set && same_dims(*a, *b) && a->dtype == b->dtype;
}

}  // namespace

cudnnStatus_t cudnnSoftmaxForward(cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode,
                                  const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,
                                  const void* beta, const cudnnTensorDescriptor_t yDesc, void* y) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || !softmax_descs_ok(xDesc, yDesc))
    return CUDNN_STATUS_BAD_PARAM;
  if (algo != CUDNN_SOFTMAX_FAST && algo != CUDNN_SOFTMAX_ACCURATE && algo != CUDNN_SOFTMAX_LOG)
    return CUDNN_STATUS_BAD_PARAM;
  if (!computable(xDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(x, *xDesc) || !on_device(y, *yDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  const double a = scale(alpha, t), b = scale(beta, t);
  std::vector<double> out;
  return for_each_softmax_group(mode, *xDesc, [&](const std::vector<int64_t>& linear) {
    // FAST skips the max subtraction (it may overflow, as documented); the others subtract it.
    double mx = -INFINITY;
    for (int64_t i : linear) mx = std::max(mx, load(x, t, offset_of(*xDesc, i)));
    if (algo == CUDNN_SOFTMAX_FAST) mx = 0;
    double sum = 0;
    for (int64_t i : linear) sum += std::exp(load(x, t, offset_of(*xDesc, i)) - mx);
    out.clear();
    for (int64_t i : linear) {
      const double z = load(x, t, offset_of(*xDesc, i)) - mx;
      out.push_back(algo == CUDNN_SOFTMAX_LOG ? z - std::log(sum) : std::exp(z) / sum);
    }
    for (size_t j = 0; j < linear.size(); ++j) blend(y, t, offset_of(*yDesc, linear[j]), a, out[j], b);
  });
}

// FAST / ACCURATE: dx = y (dy - sum(dy y)); LOG (y is log-softmax): dx = dy - exp(y) sum(dy).
cudnnStatus_t cudnnSoftmaxBackward(cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode,
                                   const void* alpha, const cudnnTensorDescriptor_t yDesc, const void* y,
                                   const cudnnTensorDescriptor_t dyDesc, const void* dy, const void* beta,
                                   const cudnnTensorDescriptor_t dxDesc, void* dx) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || !softmax_descs_ok(yDesc, dyDesc) ||
      !softmax_descs_ok(yDesc, dxDesc))
    return CUDNN_STATUS_BAD_PARAM;
  if (algo != CUDNN_SOFTMAX_FAST && algo != CUDNN_SOFTMAX_ACCURATE && algo != CUDNN_SOFTMAX_LOG)
    return CUDNN_STATUS_BAD_PARAM;
  if (!computable(yDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(y, *yDesc) || !on_device(dy, *dyDesc) || !on_device(dx, *dxDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = yDesc->dtype;
  const double a = scale(alpha, t), b = scale(beta, t);
  std::vector<double> out;
  return for_each_softmax_group(mode, *yDesc, [&](const std::vector<int64_t>& linear) {
    double s = 0;
    for (int64_t i : linear) {
      const double g = load(dy, t, offset_of(*dyDesc, i));
      s += algo == CUDNN_SOFTMAX_LOG ? g : g * load(y, t, offset_of(*yDesc, i));
    }
    out.clear();
    for (int64_t i : linear) {
      const double yv = load(y, t, offset_of(*yDesc, i)), g = load(dy, t, offset_of(*dyDesc, i));
      out.push_back(algo == CUDNN_SOFTMAX_LOG ? g - std::exp(yv) * s : yv * (g - s));
    }
    for (size_t j = 0; j < linear.size(); ++j) blend(dx, t, offset_of(*dxDesc, linear[j]), a, out[j], b);
  });
}

// ---- batch normalization ----------------------------------------------------------------

cudnnStatus_t cudnnDeriveBNTensorDescriptor(cudnnTensorDescriptor_t derivedBnDesc, const cudnnTensorDescriptor_t xDesc,
                                            cudnnBatchNormMode_t mode) {
  if (derivedBnDesc == nullptr || xDesc == nullptr || !xDesc->set) return CUDNN_STATUS_BAD_PARAM;
  int dims[kDimMax];
  if (!bn_param_dims(*xDesc, mode, dims)) return CUDNN_STATUS_BAD_PARAM;
  int strides[kDimMax];
  strides[xDesc->nb - 1] = 1;
  for (int i = xDesc->nb - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  // Half and bfloat16 data keep their statistics in float.
  const cudnnDataType_t t = computable(xDesc->dtype) ? xDesc->dtype : CUDNN_DATA_FLOAT;
  return cudnnSetTensorNdDescriptor(derivedBnDesc, t, xDesc->nb, dims, strides);
}

cudnnStatus_t cudnnBatchNormalizationForwardTraining(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alpha, const void* beta,
    const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t yDesc, void* y,
    const cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale, const void* bnBias,
    double exponentialAverageFactor, void* resultRunningMean, void* resultRunningVariance, double epsilon,
    void* resultSaveMean, void* resultSaveInvVariance) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || x == nullptr || y == nullptr || bnScale == nullptr ||
      bnBias == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  // Running statistics and saved statistics are each optional, but only as pairs.
  if ((resultRunningMean == nullptr) != (resultRunningVariance == nullptr) ||
      (resultSaveMean == nullptr) != (resultSaveInvVariance == nullptr) || epsilon < CUDNN_BN_MIN_EPSILON)
    return CUDNN_STATUS_BAD_PARAM;
  BnMap m;
  const cudnnStatus_t st = bn_map(mode, xDesc, yDesc, bnScaleBiasMeanVarDesc, m);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const cudnnTensorStruct& p = *bnScaleBiasMeanVarDesc;
  const size_t pb = param_bytes(p);
  if (!on_device(x, *xDesc) || !on_device(y, *yDesc) || !is_device_range(bnScale, pb) ||
      !is_device_range(bnBias, pb) || (resultRunningMean != nullptr && (!is_device_range(resultRunningMean, pb) ||
                                                                       !is_device_range(resultRunningVariance, pb))) ||
      (resultSaveMean != nullptr && (!is_device_range(resultSaveMean, pb) || !is_device_range(resultSaveInvVariance, pb))))
    return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  std::vector<double> mean, var;
  std::vector<int64_t> count;
  bn_moments(m, x, t, mean, var, count);
  const double a = scale(alpha, t), b = scale(beta, t);
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const int64_t f = m.p_index[i], po = m.p_off[f];
    const double xhat = (load(x, t, m.x_off[i]) - mean[f]) / std::sqrt(var[f] + epsilon);
    blend(y, t, m.y_off[i], a, load(bnScale, t, po) * xhat + load(bnBias, t, po), b);
  }
  for (int64_t f = 0; f < m.features; ++f) {
    const int64_t po = m.p_off[f];
    if (resultRunningMean != nullptr) {
      // The running variance takes the unbiased estimate of the batch variance.
      const double unbiased = count[f] > 1 ? var[f] * count[f] / (count[f] - 1) : var[f];
      const double e = exponentialAverageFactor;
      store(resultRunningMean, t, po, (1 - e) * load(resultRunningMean, t, po) + e * mean[f]);
      store(resultRunningVariance, t, po, (1 - e) * load(resultRunningVariance, t, po) + e * unbiased);
    }
    if (resultSaveMean != nullptr) {
      store(resultSaveMean, t, po, mean[f]);
      store(resultSaveInvVariance, t, po, 1.0 / std::sqrt(var[f] + epsilon));
    }
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBatchNormalizationForwardInference(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alpha, const void* beta,
    const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t yDesc, void* y,
    const cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale, const void* bnBias,
    const void* estimatedMean, const void* estimatedVariance, double epsilon) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || x == nullptr || y == nullptr || bnScale == nullptr ||
      bnBias == nullptr || estimatedMean == nullptr || estimatedVariance == nullptr || epsilon < CUDNN_BN_MIN_EPSILON)
    return CUDNN_STATUS_BAD_PARAM;
  BnMap m;
  const cudnnStatus_t st = bn_map(mode, xDesc, yDesc, bnScaleBiasMeanVarDesc, m);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const size_t pb = param_bytes(*bnScaleBiasMeanVarDesc);
  if (!on_device(x, *xDesc) || !on_device(y, *yDesc) || !is_device_range(bnScale, pb) ||
      !is_device_range(bnBias, pb) || !is_device_range(estimatedMean, pb) || !is_device_range(estimatedVariance, pb))
    return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  const double a = scale(alpha, t), b = scale(beta, t);
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const int64_t po = m.p_off[m.p_index[i]];
    const double xhat =
        (load(x, t, m.x_off[i]) - load(estimatedMean, t, po)) / std::sqrt(load(estimatedVariance, t, po) + epsilon);
    blend(y, t, m.y_off[i], a, load(bnScale, t, po) * xhat + load(bnBias, t, po), b);
  }
  return CUDNN_STATUS_SUCCESS;
}

// Through the batch statistics: xhat = (x - mean) invstd, dbias = sum dy, dscale = sum dy xhat,
// dx = scale invstd (dy - dbias / m - xhat dscale / m). The saved statistics are used when given
// (both or neither), else recomputed from x with epsilon.
cudnnStatus_t cudnnBatchNormalizationBackward(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alphaDataDiff, const void* betaDataDiff,
    const void* alphaParamDiff, const void* betaParamDiff, const cudnnTensorDescriptor_t xDesc, const void* x,
    const cudnnTensorDescriptor_t dyDesc, const void* dy, const cudnnTensorDescriptor_t dxDesc, void* dx,
    const cudnnTensorDescriptor_t dBnScaleBiasDesc, const void* bnScale, void* dBnScaleResult, void* dBnBiasResult,
    double epsilon, const void* savedMean, const void* savedInvVariance) {
  if (handle == nullptr || alphaDataDiff == nullptr || betaDataDiff == nullptr || alphaParamDiff == nullptr ||
      betaParamDiff == nullptr || x == nullptr || dy == nullptr || dx == nullptr || bnScale == nullptr ||
      dBnScaleResult == nullptr || dBnBiasResult == nullptr || epsilon < CUDNN_BN_MIN_EPSILON ||
      (savedMean == nullptr) != (savedInvVariance == nullptr))
    return CUDNN_STATUS_BAD_PARAM;
  if (!softmax_descs_ok(xDesc, dyDesc)) return CUDNN_STATUS_BAD_PARAM;
  BnMap m;
  const cudnnStatus_t st = bn_map(mode, xDesc, dxDesc, dBnScaleBiasDesc, m);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  const size_t pb = param_bytes(*dBnScaleBiasDesc);
  if (!on_device(x, *xDesc) || !on_device(dy, *dyDesc) || !on_device(dx, *dxDesc) ||
      !is_device_range(bnScale, pb) || !is_device_range(dBnScaleResult, pb) || !is_device_range(dBnBiasResult, pb) ||
      (savedMean != nullptr && (!is_device_range(savedMean, pb) || !is_device_range(savedInvVariance, pb))))
    return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  std::vector<double> mean, invstd, var;
  std::vector<int64_t> count;
  bn_moments(m, x, t, mean, var, count);
  invstd.resize(m.features);
  for (int64_t f = 0; f < m.features; ++f) {
    if (savedMean != nullptr) {
      mean[f] = load(savedMean, t, m.p_off[f]);
      invstd[f] = load(savedInvVariance, t, m.p_off[f]);
    } else {
      invstd[f] = 1.0 / std::sqrt(var[f] + epsilon);
    }
  }
  std::vector<int64_t> dy_off(m.x_off.size());
  for (size_t i = 0; i < dy_off.size(); ++i) dy_off[i] = offset_of(*dyDesc, static_cast<int64_t>(i));
  std::vector<double> sum_dy(m.features, 0.0), sum_dy_xhat(m.features, 0.0);
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const int64_t f = m.p_index[i];
    const double g = load(dy, t, dy_off[i]);
    sum_dy[f] += g;
    sum_dy_xhat[f] += g * (load(x, t, m.x_off[i]) - mean[f]) * invstd[f];
  }
  const double ad = scale(alphaDataDiff, t), bd = scale(betaDataDiff, t);
  const double ap = scale(alphaParamDiff, t), bp = scale(betaParamDiff, t);
  for (size_t i = 0; i < m.x_off.size(); ++i) {
    const int64_t f = m.p_index[i];
    const double cnt = static_cast<double>(count[f]);
    const double xhat = (load(x, t, m.x_off[i]) - mean[f]) * invstd[f];
    const double g = load(dy, t, dy_off[i]);
    const double v = load(bnScale, t, m.p_off[f]) * invstd[f] * (g - sum_dy[f] / cnt - xhat * sum_dy_xhat[f] / cnt);
    blend(dx, t, m.y_off[i], ad, v, bd);
  }
  for (int64_t f = 0; f < m.features; ++f) {
    blend(dBnScaleResult, t, m.p_off[f], ap, sum_dy_xhat[f], bp);
    blend(dBnBiasResult, t, m.p_off[f], ap, sum_dy[f], bp);
  }
  return CUDNN_STATUS_SUCCESS;
}

}  // namespace jdnn::vendor::emu
