// 2-D convolution through cuDNN (CPU twin: cpu/conv.cpp). PyTorch semantics:
// cross-correlation, groups as consecutive channel blocks, zero padding that may
// differ per side.
//
// cuDNN pads symmetrically. When top != bottom or left != right, cuDNN gets the
// smaller padding of each pair and the input is copied into a scratch tensor
// that carries the remainder on the longer side; the input gradient is computed
// in that padded frame and cropped back. Both are exact: the extra cells are
// zeros, so they add nothing forward and their gradients are dropped.
//
// Algorithms are chosen once per shape, geometry, dtype and TF32 setting with
// cudnnFind*AlgorithmEx (which times them on the real library) and cached.
//
// Forward with a bias on float32 is one cudnnConvolutionBiasActivationForward (fused_forward below):
// y = act(conv(x, w) + bias) in one vendor call instead of cudnnConvolutionForward, cudnnAddTensor
// and, when the op carries a ReLU (Conv2d fused with the ReLU after it, when nothing is recorded),
// a ReLU kernel. The activation is the identity, or RELU with CUDNN_PROPAGATE_NAN: jdnn's ReLU keeps
// NaN, and cuDNN's fused RELU does so under that option (checked on an H200, cuDNN 9.19:
// native/test/gpu/fused_relu_nan_probe.cu). cuDNN runs the identity activation only with
// CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, so that algorithm is used for both, not searched
// for. Where the fused call does not apply (float64, no bias, or cuDNN answering NOT_SUPPORTED for
// the configuration, remembered per configuration) the calls run as before, and a ReLU is one
// kernel over the output (docs/architecture.md).
#include <algorithm>
#include <array>
#include <exception>
#include <map>

#include "cuda/cuda_backend.h"
#include "cuda/cudnn_util.h"
#include "kernels/unary.h"

namespace jdnn::cuda {

namespace {

using namespace jdnn::vendor;

template <class T>
__global__ void pad_kernel(const T* x, T* xp, int64_t planes, int64_t h, int64_t w, int64_t hp, int64_t wp,
                           int64_t top, int64_t left) {
  JDNN_KERNEL_LOOP(i, planes * hp * wp) {
    const int64_t col = i % wp, row = (i / wp) % hp, plane = i / (wp * hp);
    const int64_t r = row - top, c = col - left;
    xp[i] = (r >= 0 && r < h && c >= 0 && c < w) ? x[(plane * h + r) * w + c] : T(0);
  }
}

template <class T>
__global__ void crop_kernel(const T* xp, T* x, int64_t planes, int64_t h, int64_t w, int64_t hp, int64_t wp,
                            int64_t top, int64_t left) {
  JDNN_KERNEL_LOOP(i, planes * h * w) {
    const int64_t col = i % w, row = (i / w) % h, plane = i / (w * h);
    x[i] = xp[(plane * hp + row + top) * wp + col + left];
  }
}

// The convolution as cuDNN sees it: the input possibly padded on one side, symmetric padding.
struct Frame {
  int64_t n, c, h, w;      // input as given
  int64_t hp, wp;          // input cuDNN reads (padded by the asymmetric remainder)
  int64_t top, left;       // remainder rows / columns in front of the input
  int64_t pad_h, pad_w;    // symmetric padding cuDNN applies
  int64_t k, cg, kh, kw, oh, ow;
  bool asymmetric;
};

Frame make_frame(const Tensor& x, const Tensor& w, const Tensor& y_or_dy, const Conv2dGeom& g) {
  Frame f{};
  f.n = x.dim(0);
  f.c = x.dim(1);
  f.h = x.dim(2);
  f.w = x.dim(3);
  f.pad_h = std::min(g.pad_top, g.pad_bottom);
  f.pad_w = std::min(g.pad_left, g.pad_right);
  f.top = g.pad_top - f.pad_h;
  f.left = g.pad_left - f.pad_w;
  f.hp = f.h + f.top + (g.pad_bottom - f.pad_h);
  f.wp = f.w + f.left + (g.pad_right - f.pad_w);
  f.asymmetric = f.hp != f.h || f.wp != f.w;
  f.k = w.dim(0);
  f.cg = w.dim(1);
  f.kh = w.dim(2);
  f.kw = w.dim(3);
  f.oh = y_or_dy.dim(2);
  f.ow = y_or_dy.dim(3);
  return f;
}

// The input cuDNN reads (padded when asymmetric) and the output within cuDNN's element limit.
void check_elements(const char* op, const Frame& f, int64_t output_elements) {
  check_cudnn_elements(op, f.asymmetric ? "padded input" : "input", f.n * f.c * f.hp * f.wp);
  check_cudnn_elements(op, "output", output_elements);
}

size_t padded_bytes(const Frame& f, const Tensor& x) {
  return static_cast<size_t>(f.n * f.c * f.hp * f.wp) * dtype_size(x.dtype);
}

// Padding and cropping move elements without arithmetic: 16-bit data as its raw bits (uint16_t).
void pad_input(const Tensor& x, void* xp, const Frame& f, cudaStream_t s) {
  const int64_t planes = f.n * f.c, total = planes * f.hp * f.wp;
  if (x.dtype == DType::FLOAT64)
    launch_n(pad_kernel<double>, total, s, x.data<double>(), static_cast<double*>(xp), planes, f.h, f.w, f.hp, f.wp,
             f.top, f.left);
  else if (is_half(x.dtype))
    launch_n(pad_kernel<uint16_t>, total, s, static_cast<const uint16_t*>(x.storage->data), static_cast<uint16_t*>(xp),
             planes, f.h, f.w, f.hp, f.wp, f.top, f.left);
  else
    launch_n(pad_kernel<float>, total, s, x.data<float>(), static_cast<float*>(xp), planes, f.h, f.w, f.hp, f.wp,
             f.top, f.left);
}

void crop_gradient(const void* dxp, Tensor& dx, const Frame& f, cudaStream_t s) {
  const int64_t planes = f.n * f.c, total = planes * f.h * f.w;
  if (dx.dtype == DType::FLOAT64)
    launch_n(crop_kernel<double>, total, s, static_cast<const double*>(dxp), dx.data<double>(), planes, f.h, f.w, f.hp,
             f.wp, f.top, f.left);
  else if (is_half(dx.dtype))
    launch_n(crop_kernel<uint16_t>, total, s, static_cast<const uint16_t*>(dxp),
             static_cast<uint16_t*>(dx.storage->data), planes, f.h, f.w, f.hp, f.wp, f.top, f.left);
  else
    launch_n(crop_kernel<float>, total, s, static_cast<const float*>(dxp), dx.data<float>(), planes, f.h, f.w, f.hp,
             f.wp, f.top, f.left);
}

// cuDNN's data type of a convolution operand: float32 and float64 as themselves, float16 and
// bfloat16 as HALF and BFLOAT16, which compute in float32 (PSEUDO_HALF / PSEUDO_BFLOAT16 configs).
cudnnDataType_t conv_data_type(const Tensor& t) {
  if (t.dtype == DType::FLOAT16) return CUDNN_DATA_HALF;
  if (t.dtype == DType::BFLOAT16) return CUDNN_DATA_BFLOAT16;
  return cudnn_type(t);
}

bool half_data(cudnnDataType_t t) { return t == CUDNN_DATA_HALF || t == CUDNN_DATA_BFLOAT16; }

// cuDNN's bfloat16 convolutions (PSEUDO_BFLOAT16) need compute capability 8.0 (Ampere) or newer.
void require_bf16_capable(const Context& c, cudnnDataType_t t, const char* op) {
  JDNN_CHECK(t != CUDNN_DATA_BFLOAT16 || c.props.major >= 8, op, ": bfloat16 convolutions need a GPU of compute"
             " capability 8.0 or newer, this one is sm_", c.props.major, c.props.minor, "; use float16 autocast"
             " (DType.FLOAT16 with a GradScaler) or float32");
}

// Descriptors of one call: input (padded frame), filter, output, convolution.
struct Descs {
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;
};

// Tensor-core math: an opt-in (TF32) for float32; what 16-bit data is for (its operands are
// already 16-bit, so tensor cores round nothing more).
bool tensor_ops(const Context& c, cudnnDataType_t t) { return (c.tf32 && t == CUDNN_DATA_FLOAT) || half_data(t); }

// Without the TF32 opt-in, float32 must stay float32: FMA math excludes tensor-core conversions.
cudnnMathType_t requested_math(const Context& c, cudnnDataType_t t) {
  return tensor_ops(c, t) ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

void describe_conv(Descs& d, const Frame& f, const Conv2dGeom& g, cudnnDataType_t t, const Context& ctx) {
  d.x.set_4d(t, f.n, f.c, f.hp, f.wp);
  d.y.set_4d(t, f.n, f.k, f.oh, f.ow);
  d.w.set(t, f.k, f.cg, f.kh, f.kw);
  JDNN_CUDNN(cudnnSetConvolution2dDescriptor, d.conv.get(), cudnn_dim(f.pad_h, "padding"),
             cudnn_dim(f.pad_w, "padding"), cudnn_dim(g.stride_h, "stride"), cudnn_dim(g.stride_w, "stride"),
             cudnn_dim(g.dilation_h, "dilation"), cudnn_dim(g.dilation_w, "dilation"), CUDNN_CROSS_CORRELATION,
             half_data(t) ? CUDNN_DATA_FLOAT : t);
  JDNN_CUDNN(cudnnSetConvolutionGroupCount, d.conv.get(), cudnn_dim(g.groups, "groups"));
  JDNN_CUDNN(cudnnSetConvolutionMathType, d.conv.get(), requested_math(ctx, t));
}

// ---- algorithm choice, cached per configuration ------------------------------------------

// The fused forward with RELU is remembered apart from the identity one: cuDNN may refuse one and
// not the other for a configuration.
enum Direction : int64_t {
  kForward = 0,
  kBackwardData = 1,
  kBackwardFilter = 2,
  kFusedForward = 3,
  kFusedReluForward = 4
};

using Key = std::array<int64_t, 18>;
struct Choice {
  int algo;
  size_t workspace;
  cudnnMathType_t math;  // the math type Find timed the algorithm with
};

Key key_of(Direction dir, const Frame& f, const Conv2dGeom& g, cudnnDataType_t t, bool tf32) {
  return Key{dir, t, tf32 ? 1 : 0, f.n, f.c, f.hp, f.wp, f.k, f.cg, f.kh, f.kw, f.pad_h, f.pad_w, g.stride_h,
             g.stride_w, g.dilation_h, g.dilation_w, g.groups};
}

// Guarded by the op lock (every op holds Context::mutex).
std::map<Key, Choice>& choices() {
  static auto* m = new std::map<Key, Choice>();
  return *m;
}

// Workspace for Find: enough for every algorithm, but not more than a slice of the GPU. If even
// that cannot be had, Find runs without one and picks among the algorithms that need none.
// It goes back to the system afterwards: the chosen algorithm's (usually far smaller)
// workspace comes from Context::workspace, and a search's gigabyte must not stay reserved.
class FindWorkspace {
 public:
  FindWorkspace(Context& c, size_t largest_need) : c_(c) {
    const size_t cap = std::min<size_t>(size_t(1) << 30, c.props.totalGlobalMem / 8);
    bytes_ = std::min(largest_need, cap);
    if (bytes_ == 0) return;
    try {
      p_ = c.allocator.allocate(bytes_);
    } catch (const std::exception&) {
      bytes_ = 0;
    }
  }
  ~FindWorkspace() { c_.allocator.deallocate_to_system(p_, bytes_); }
  FindWorkspace(const FindWorkspace&) = delete;
  FindWorkspace& operator=(const FindWorkspace&) = delete;
  void* get() const { return p_; }
  size_t bytes() const { return bytes_; }

 private:
  Context& c_;
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

// The largest workspace among algorithms 0 .. count - 1, query(a, &bytes) asking for one.
// An algorithm that does not support this configuration answers with an error status,
// deliberately not checked: it is left out here as Find leaves it out of its results.
template <class Query>
size_t largest_workspace(int count, Query query) {
  size_t need = 0;
  for (int a = 0; a < count; ++a) {
    size_t bytes = 0;
    if (query(a, &bytes) == CUDNN_STATUS_SUCCESS) need = std::max(need, bytes);
  }
  return need;
}

// The fastest algorithm Find ran successfully. Without the TF32 opt-in its math type must be the
// descriptor's CUDNN_FMA_MATH: any other would run tensor-core kernels that round float32 inputs
// to TF32 (and would need a descriptor set to that math type, which stays FMA here).
// The workspace Find gets: enough for every algorithm. With TF32 on, Find may time tensor-core
// variants (reported with CUDNN_TENSOR_OP_MATH), whose workspace Get*WorkspaceSize reports only
// under that math type, so the descriptor is asked under both.
template <class Query>
size_t search_workspace(const Context& c, const Descs& d, cudnnDataType_t t, int count, Query query) {
  size_t need = largest_workspace(count, query);
  if (tensor_ops(c, t)) {
    JDNN_CUDNN(cudnnSetConvolutionMathType, d.conv.get(), CUDNN_TENSOR_OP_MATH);
    need = std::max(need, largest_workspace(count, query));
    JDNN_CUDNN(cudnnSetConvolutionMathType, d.conv.get(), requested_math(c, t));
  }
  return need;
}

template <class Perf>
Choice pick(const Context& c, cudnnDataType_t t, const Perf* perf, int returned, const char* what) {
  for (int i = 0; i < returned; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    if (!tensor_ops(c, t) && perf[i].mathType != CUDNN_FMA_MATH)
      fail_as(ErrorKind::VENDOR, "conv2d: cuDNN's fastest ", what, " algorithm (", static_cast<int>(perf[i].algo),
              ") runs with math type ", static_cast<int>(perf[i].mathType), ", but TF32 is off, so it must run "
              "with CUDNN_FMA_MATH (", static_cast<int>(CUDNN_FMA_MATH), "), the exact float32 path the descriptor "
              "asks for; this cuDNN does not honour FMA math for this configuration: report it, or enable TF32 "
              "(device option tf32) to accept tensor-core rounding");
    return Choice{static_cast<int>(perf[i].algo), perf[i].memory, perf[i].mathType};
  }
  fail_as(ErrorKind::VENDOR, "conv2d: cuDNN found no usable ", what, " algorithm for this configuration");
}

Choice forward_choice(Context& c, const Descs& d, const Frame& f, const Conv2dGeom& g, cudnnDataType_t t,
                      const void* x, const void* w, void* y) {
  const Key key = key_of(kForward, f, g, t, c.tf32);
  auto it = choices().find(key);
  if (it != choices().end()) return it->second;
  const size_t need = search_workspace(c, d, t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, [&](int a, size_t* bytes) {
    return vendor::vendor().cudnnGetConvolutionForwardWorkspaceSize(
        c.cudnn, d.x.get(), d.w.get(), d.conv.get(), d.y.get(), static_cast<cudnnConvolutionFwdAlgo_t>(a), bytes);
  });
  FindWorkspace ws(c, need);
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  JDNN_CUDNN(cudnnFindConvolutionForwardAlgorithmEx, c.cudnn, d.x.get(), x, d.w.get(), w, d.conv.get(), d.y.get(), y,
             CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf, ws.get(), ws.bytes());
  return choices()[key] = pick(c, t, perf, returned, "forward");
}

Choice backward_data_choice(Context& c, const Descs& d, const Frame& f, const Conv2dGeom& g, cudnnDataType_t t,
                            const void* w, const void* dy, void* dx) {
  const Key key = key_of(kBackwardData, f, g, t, c.tf32);
  auto it = choices().find(key);
  if (it != choices().end()) return it->second;
  const size_t need = search_workspace(c, d, t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, [&](int a, size_t* bytes) {
    return vendor::vendor().cudnnGetConvolutionBackwardDataWorkspaceSize(
        c.cudnn, d.w.get(), d.y.get(), d.conv.get(), d.x.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(a), bytes);
  });
  FindWorkspace ws(c, need);
  cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int returned = 0;
  JDNN_CUDNN(cudnnFindConvolutionBackwardDataAlgorithmEx, c.cudnn, d.w.get(), w, d.y.get(), dy, d.conv.get(),
             d.x.get(), dx, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &returned, perf, ws.get(), ws.bytes());
  return choices()[key] = pick(c, t, perf, returned, "backward-data");
}

Choice backward_filter_choice(Context& c, const Descs& d, const Frame& f, const Conv2dGeom& g, cudnnDataType_t t,
                              const void* x, const void* dy, void* dw) {
  const Key key = key_of(kBackwardFilter, f, g, t, c.tf32);
  auto it = choices().find(key);
  if (it != choices().end()) return it->second;
  const size_t need = search_workspace(c, d, t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, [&](int a, size_t* bytes) {
    return vendor::vendor().cudnnGetConvolutionBackwardFilterWorkspaceSize(
        c.cudnn, d.x.get(), d.y.get(), d.conv.get(), d.w.get(), static_cast<cudnnConvolutionBwdFilterAlgo_t>(a),
        bytes);
  });
  FindWorkspace ws(c, need);
  cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  int returned = 0;
  JDNN_CUDNN(cudnnFindConvolutionBackwardFilterAlgorithmEx, c.cudnn, d.x.get(), x, d.y.get(), dy, d.conv.get(),
             d.w.get(), dw, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &returned, perf, ws.get(), ws.bytes());
  return choices()[key] = pick(c, t, perf, returned, "backward-filter");
}

// Under DEFAULT math Find may time an algorithm as a tensor-op variant, whose workspace
// and kernels differ; the library runs that variant only when the descriptor names its
// math type. Without the opt-in the descriptor stays FMA, so float32 never meets TF32.
class ChoiceMath {
 public:
  ChoiceMath(const Context& c, const Descs& d, cudnnDataType_t t, const Choice& ch)
      : desc_(tensor_ops(c, t) ? d.conv.get() : nullptr) {
    if (desc_ != nullptr) JDNN_CUDNN(cudnnSetConvolutionMathType, desc_, ch.math);
  }
  // Later searches on this descriptor start from the requested math again. Unchecked: a
  // destructor must not throw, and the descriptor dies with the op that made it.
  ~ChoiceMath() {
    if (desc_ != nullptr) vendor::vendor().cudnnSetConvolutionMathType(desc_, CUDNN_DEFAULT_MATH);
  }
  ChoiceMath(const ChoiceMath&) = delete;
  ChoiceMath& operator=(const ChoiceMath&) = delete;

 private:
  cudnnConvolutionDescriptor_t desc_;
};

// ---- forward with the bias fused ----------------------------------------------------------

// Counted and traced as JDNN_CUDNN counts its calls; the fused call's status is checked by hand
// because NOT_SUPPORTED there means "run unfused", not an error.
void count_vendor_call(const char* entry) {
  count(counters().vendor_calls);
  trace_vendor_call(entry);
}

// The fused forward's workspace for this configuration, or algo -1 where cuDNN does not run
// IMPLICIT_PRECOMP_GEMM for it (asked once per configuration, not counted: a query). The descriptor carries the requested math type (FMA without the
// TF32 opt-in), which the workspace query and the call both see.
Choice fused_choice(Context& c, const Descs& d, const Frame& f, const Conv2dGeom& g, cudnnDataType_t t, bool relu) {
  const Key key = key_of(relu ? kFusedReluForward : kFusedForward, f, g, t, c.tf32);
  auto it = choices().find(key);
  if (it != choices().end()) return it->second;
  size_t bytes = 0;
  const cudnnStatus_t st = vendor::vendor().cudnnGetConvolutionForwardWorkspaceSize(
      c.cudnn, d.x.get(), d.w.get(), d.conv.get(), d.y.get(), CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, &bytes);
  // An algorithm that does not take this configuration answers with an error status (as in
  // largest_workspace): the unfused path then runs, with its own search and checks.
  if (st != CUDNN_STATUS_SUCCESS) return choices()[key] = Choice{-1, 0, requested_math(c, t)};
  return choices()[key] = Choice{CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, bytes, requested_math(c, t)};
}

// y = act(conv(x, w) + bias) as one cudnnConvolutionBiasActivationForward, act the identity or (relu)
// RELU keeping NaN, z = y with alpha2 = 0 (not read). false, having queued nothing, where it does not
// apply (see the file comment); the caller then runs the convolution, the bias add and the ReLU.
bool fused_forward(Context& c, const Descs& d, const Frame& f, const Conv2dGeom& g, const void* xin, const Tensor& w,
                   const Tensor& bias, Tensor& y, bool relu) {
  if (y.dtype != DType::FLOAT32) return false;
  const cudnnDataType_t t = CUDNN_DATA_FLOAT;
  const Choice ch = fused_choice(c, d, f, g, t, relu);
  if (ch.algo < 0) return false;
  TensorDesc bd;
  bd.set_4d(t, 1, f.k, 1, 1);
  ActivationDesc act;
  if (relu) act.set_relu_keeping_nan();
  else act.set_identity();
  void* ws = c.workspace(ch.workspace);
  const float one = 1.0f, zero = 0.0f;
  const cudnnStatus_t st = vendor::vendor().cudnnConvolutionBiasActivationForward(
      c.cudnn, &one, d.x.get(), xin, d.w.get(), w.storage->data, d.conv.get(),
      CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, ws, ch.workspace, &zero, d.y.get(), y.storage->data, bd.get(),
      bias.storage->data, act.get(), d.y.get(), y.storage->data);
  if (st == CUDNN_STATUS_NOT_SUPPORTED) {  // refused before queueing anything: remember, and run unfused
    choices()[key_of(relu ? kFusedReluForward : kFusedForward, f, g, t, c.tf32)].algo = -1;
    return false;
  }
  if (st != CUDNN_STATUS_SUCCESS) cudnn_failure(st, "cudnnConvolutionBiasActivationForward");
  count_vendor_call("cudnnConvolutionBiasActivationForward");
  return true;
}

// The ReLU of a convolution that was not fused: kernels::Relu, as the ReLU layer's kernel.
template <class T>
__global__ void relu_in_place_kernel(T* y, int64_t n) {
  const kernels::Relu f;
  JDNN_KERNEL_LOOP(i, n) { y[i] = f.fwd(y[i], T(0), T(0)); }
}

void relu_in_place(Context& c, Tensor& y) {
  if (y.dtype == DType::FLOAT32) launch_n(relu_in_place_kernel<float>, y.numel, c.stream, y.data<float>(), y.numel);
  else launch_n(relu_in_place_kernel<double>, y.numel, c.stream, y.data<double>(), y.numel);
}

void zero(Tensor* t, cudaStream_t s) {
  if (t != nullptr && t->numel > 0)
    JDNN_CUDA_CHECK(cudaMemsetAsync(t->storage->data, 0, t->numel * dtype_size(t->dtype), s));
}

// bias (Cout) broadcast over y (N, Cout, OH, OW), added to what y holds.
void add_bias(Context& c, const Tensor& bias, Tensor& y) {
  const cudnnDataType_t t = cudnn_type(y);
  const Scalars s(y);
  TensorDesc bd, yd;
  bd.set_4d(t, 1, bias.numel, 1, 1);
  yd.set_4d(t, y.dim(0), y.dim(1), y.dim(2), y.dim(3));
  JDNN_CUDNN(cudnnAddTensor, c.cudnn, s.one(), bd.get(), bias.storage->data, s.one(), yd.get(), y.storage->data);
}

void bias_gradient(Context& c, const Tensor& dy, Tensor& db) {
  const cudnnDataType_t t = cudnn_type(dy);
  const Scalars s(dy);
  TensorDesc dyd, dbd;
  dyd.set_4d(t, dy.dim(0), dy.dim(1), dy.dim(2), dy.dim(3));
  dbd.set_4d(t, 1, db.numel, 1, 1);
  JDNN_CUDNN(cudnnConvolutionBackwardBias, c.cudnn, s.one(), dyd.get(), dy.storage->data, s.zero(), dbd.get(),
             db.storage->data);
}

}  // namespace

void CudaBackend::conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const Conv2dGeom& g,
                         bool relu) {
  JDNN_CUDA_OP("conv2d");
  Context& c = jdnn_op.ctx;
  if (y.numel == 0) return;
  if (x.numel == 0) {  // no input cells (C, H or W is 0): only the bias remains
    zero(&y, c.stream);
    if (bias != nullptr) add_bias(c, *bias, y);
    if (relu) relu_in_place(c, y);
    return;
  }
  const cudnnDataType_t t = conv_data_type(x);
  require_bf16_capable(c, t, "conv2d");
  const Frame f = make_frame(x, w, y, g);
  check_elements("conv2d", f, y.numel);
  DeviceScratch padded(c.allocator, f.asymmetric ? padded_bytes(f, x) : 0);
  const void* xin = x.storage->data;
  if (f.asymmetric) {
    pad_input(x, padded.get(), f, c.stream);
    xin = padded.get();
  }
  Descs d;
  describe_conv(d, f, g, t, c);
  if (bias != nullptr && fused_forward(c, d, f, g, xin, w, *bias, y, relu)) return;
  const Choice ch = forward_choice(c, d, f, g, t, xin, w.storage->data, y.storage->data);
  void* ws = c.workspace(ch.workspace);
  const ChoiceMath math(c, d, t, ch);
  const Scalars s(x);
  JDNN_CUDNN(cudnnConvolutionForward, c.cudnn, s.one(), d.x.get(), xin, d.w.get(), w.storage->data, d.conv.get(),
             static_cast<cudnnConvolutionFwdAlgo_t>(ch.algo), ws, ch.workspace, s.zero(), d.y.get(), y.storage->data);
  if (bias != nullptr) add_bias(c, *bias, y);
  if (relu) relu_in_place(c, y);
}

void CudaBackend::conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx, Tensor* dw,
                                  Tensor* dbias, const Conv2dGeom& g) {
  JDNN_CUDA_OP("conv2d_backward");
  Context& c = jdnn_op.ctx;
  if (dy.numel == 0 || x.numel == 0) {  // an empty sum on one side: zero gradients
    zero(dx, c.stream);
    zero(dw, c.stream);
    if (dbias != nullptr) {
      if (dy.numel == 0) zero(dbias, c.stream);
      else bias_gradient(c, dy, *dbias);
    }
    return;
  }
  const cudnnDataType_t t = conv_data_type(x);
  require_bf16_capable(c, t, "conv2d_backward");
  const Frame f = make_frame(x, w, dy, g);
  check_elements("conv2d_backward", f, dy.numel);
  Descs d;
  describe_conv(d, f, g, t, c);
  const Scalars s(x);
  if (dbias != nullptr) bias_gradient(c, dy, *dbias);
  if (dx != nullptr) {
    DeviceScratch padded(c.allocator, f.asymmetric ? padded_bytes(f, x) : 0);
    void* out = f.asymmetric ? padded.get() : dx->storage->data;
    const Choice ch = backward_data_choice(c, d, f, g, t, w.storage->data, dy.storage->data, out);
    void* ws = c.workspace(ch.workspace);
    const ChoiceMath math(c, d, t, ch);
    JDNN_CUDNN(cudnnConvolutionBackwardData, c.cudnn, s.one(), d.w.get(), w.storage->data, d.y.get(),
               dy.storage->data, d.conv.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(ch.algo), ws, ch.workspace,
               s.zero(), d.x.get(), out);
    if (f.asymmetric) crop_gradient(out, *dx, f, c.stream);
  }
  if (dw != nullptr) {
    DeviceScratch padded(c.allocator, f.asymmetric ? padded_bytes(f, x) : 0);
    const void* xin = x.storage->data;
    if (f.asymmetric) {
      pad_input(x, padded.get(), f, c.stream);
      xin = padded.get();
    }
    const Choice ch = backward_filter_choice(c, d, f, g, t, xin, dy.storage->data, dw->storage->data);
    void* ws = c.workspace(ch.workspace);
    const ChoiceMath math(c, d, t, ch);
    JDNN_CUDNN(cudnnConvolutionBackwardFilter, c.cudnn, s.one(), d.x.get(), xin, d.y.get(), dy.storage->data,
               d.conv.get(), static_cast<cudnnConvolutionBwdFilterAlgo_t>(ch.algo), ws, ch.workspace, s.zero(),
               d.w.get(), dw->storage->data);
  }
}

}  // namespace jdnn::cuda
