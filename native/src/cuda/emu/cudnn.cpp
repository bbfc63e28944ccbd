// CPU emulation of the cuDNN 9 subset in vendor.h, written from the cuDNN API
// reference: descriptors hold what the Set* calls describe, and the compute
// entries are direct loops over the descriptors' dims and strides, accumulating
// in double. Alpha/beta follow the documented blending
// (dst = alpha * result + beta * dst, dst not read when beta is 0).
//
// Data pointers must lie inside live emulated device allocations covering the
// extent their descriptor spans; a host pointer or a descriptor that overruns
// its buffer gives CUDNN_STATUS_EXECUTION_FAILED (on a GPU it would be an
// illegal address), so backend bugs surface in CI.
//
// Like the library, each compute entry checks its arguments when called and
// returns their status; the computation is queued on the handle's stream
// (submit, cudnn_emu.h) and runs when the stream's work does. It owns copies
// of the descriptors and of alpha / beta (read at call time, as the documented
// host-memory scaling parameters are); device data is read when it runs.
//
// This file: library, handle, descriptors (activation ones too), cudnnAddTensor and softmax;
// convolution in cudnn_conv.cpp, batch normalization in cudnn_batchnorm.cpp.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <vector>

#include "cuda/emu/cudnn_emu.h"

namespace jdnn::vendor::emu {

// ---- library, handle ------------------------------------------------------------------

namespace {

std::mutex descriptors_mutex;
std::set<const void*>& live_descriptors() {
  static auto* set = new std::set<const void*>();  // outlives static destruction
  return *set;
}

}  // namespace

void track_descriptor(const void* desc, bool live) {
  std::lock_guard<std::mutex> lock(descriptors_mutex);
  if (live) live_descriptors().insert(desc);
  else live_descriptors().erase(desc);
}

bool is_live_descriptor(const void* desc) {
  std::lock_guard<std::mutex> lock(descriptors_mutex);
  return live_descriptors().count(desc) != 0;
}

bool tf32_applies(cudnnDataType_t data, cudnnMathType_t math) {
  if (data != CUDNN_DATA_FLOAT || math == CUDNN_FMA_MATH) return false;
  const char* override_env = std::getenv("NVIDIA_TF32_OVERRIDE");
  if (override_env != nullptr && std::strcmp(override_env, "0") == 0) return false;
  int device = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&device) != cudaSuccess || cudaGetDeviceProperties(&prop, device) != cudaSuccess) return false;
  return prop.major >= 8;
}

// Every cudnnCreate* call: a new default object in *out, BAD_PARAM for a null out.
template <class Struct>
cudnnStatus_t create_object(Struct** out) {
  if (out == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *out = new Struct();
  track_descriptor(*out, true);
  return CUDNN_STATUS_SUCCESS;
}

// Every cudnnDestroy* call (destroying null is allowed and does nothing; destroying an
// object twice is refused, where the library's behaviour would be undefined).
template <class Struct>
cudnnStatus_t destroy_object(Struct* object) {
  if (object == nullptr) return CUDNN_STATUS_SUCCESS;
  if (!is_live_descriptor(object)) return CUDNN_STATUS_BAD_PARAM;
  track_descriptor(object, false);
  delete object;
  return CUDNN_STATUS_SUCCESS;
}

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

cudnnStatus_t cudnnCreate(cudnnHandle_t* handle) { return create_object(handle); }

cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) { return destroy_object(handle); }

cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t stream) {
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  handle->stream = stream;
  return CUDNN_STATUS_SUCCESS;
}

// ---- descriptors ------------------------------------------------------------------------

cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* desc) { return create_object(desc); }

cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t desc) { return destroy_object(desc); }

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t desc, cudnnTensorFormat_t format,
                                         cudnnDataType_t dataType, int n, int c, int h, int w) {
  if (desc == nullptr || !is_live_descriptor(desc) || !known_type(dataType) || n <= 0 || c <= 0 || h <= 0 || w <= 0)
    return CUDNN_STATUS_BAD_PARAM;
  if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_BAD_PARAM;
  if (int64_t(n) * c * h * w > kMaxTensorElements) return CUDNN_STATUS_NOT_SUPPORTED;
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
  if (desc == nullptr || !is_live_descriptor(desc) || dimA == nullptr || strideA == nullptr || !known_type(dataType))
    return CUDNN_STATUS_BAD_PARAM;
  if (nbDims < 4 || nbDims > kDimMax) return CUDNN_STATUS_NOT_SUPPORTED;
  int64_t total = 1;
  for (int i = 0; i < nbDims; ++i) {
    if (dimA[i] <= 0 || strideA[i] <= 0) return CUDNN_STATUS_BAD_PARAM;
    total *= dimA[i];
  }
  if (total > kMaxTensorElements) return CUDNN_STATUS_NOT_SUPPORTED;
  desc->nb = nbDims;
  desc->dtype = dataType;
  for (int i = 0; i < nbDims; ++i) {
    desc->dims[i] = dimA[i];
    desc->strides[i] = strideA[i];
  }
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* desc) { return create_object(desc); }

cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t desc) { return destroy_object(desc); }

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t desc, cudnnDataType_t dataType,
                                         cudnnTensorFormat_t format, int k, int c, int h, int w) {
  if (desc == nullptr || !is_live_descriptor(desc) || !known_type(dataType) || k <= 0 || c <= 0 || h <= 0 || w <= 0)
    return CUDNN_STATUS_BAD_PARAM;
  if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_BAD_PARAM;
  *desc = cudnnFilterStruct{true, dataType, format, k, c, h, w};
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* desc) { return create_object(desc); }

cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t desc) { return destroy_object(desc); }

cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t desc, int pad_h, int pad_w, int u, int v,
                                              int dilation_h, int dilation_w, cudnnConvolutionMode_t mode,
                                              cudnnDataType_t computeType) {
  if (desc == nullptr || !is_live_descriptor(desc) || pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 ||
      dilation_h <= 0 || dilation_w <= 0)
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
  if (desc == nullptr || !is_live_descriptor(desc) || groupCount < 1) return CUDNN_STATUS_BAD_PARAM;
  desc->groups = groupCount;
  return CUDNN_STATUS_SUCCESS;
}

// The math type decides TF32 rounding (tf32_applies), each algorithm's workspace and which
// algorithm variants may run (cudnn_conv.cpp); products are otherwise summed in double.
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t desc, cudnnMathType_t mathType) {
  if (desc == nullptr || !is_live_descriptor(desc) || mathType < CUDNN_DEFAULT_MATH || mathType > CUDNN_FMA_MATH)
    return CUDNN_STATUS_BAD_PARAM;
  desc->math = mathType;
  return CUDNN_STATUS_SUCCESS;
}

// Activation descriptors, for the fused convolution (cudnn_conv.cpp). cudnnActivationMode_t
// runs from SIGMOID (0) to SWISH (6) and cudnnNanPropagation_t has two values; anything else is
// an invalid enumerant (BAD_PARAM). Which modes a call accepts is that call's business.
cudnnStatus_t cudnnCreateActivationDescriptor(cudnnActivationDescriptor_t* activationDesc) {
  return create_object(activationDesc);
}

cudnnStatus_t cudnnDestroyActivationDescriptor(cudnnActivationDescriptor_t activationDesc) {
  return destroy_object(activationDesc);
}

cudnnStatus_t cudnnSetActivationDescriptor(cudnnActivationDescriptor_t activationDesc, cudnnActivationMode_t mode,
                                           cudnnNanPropagation_t reluNanOpt, double coef) {
  if (activationDesc == nullptr || !is_live_descriptor(activationDesc) || mode < 0 || mode > 6 ||
      (reluNanOpt != CUDNN_NOT_PROPAGATE_NAN && reluNanOpt != CUDNN_PROPAGATE_NAN))
    return CUDNN_STATUS_BAD_PARAM;
  activationDesc->mode = mode;
  activationDesc->nan = reluNanOpt;
  activationDesc->coef = coef;
  activationDesc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

// C = alpha * A + beta * C, each dim of A equal to C's or 1 (broadcast); up to 5 dims.
cudnnStatus_t cudnnAddTensor(cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t aDesc,
                             const void* A, const void* beta, const cudnnTensorDescriptor_t cDesc, void* C) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || !usable(aDesc) || !usable(cDesc))
    return CUDNN_STATUS_BAD_PARAM;
  if (aDesc->nb != cDesc->nb || aDesc->dtype != cDesc->dtype) return CUDNN_STATUS_BAD_PARAM;
  for (int i = 0; i < cDesc->nb; ++i)
    if (aDesc->dims[i] != cDesc->dims[i] && aDesc->dims[i] != 1) return CUDNN_STATUS_BAD_PARAM;
  if (cDesc->nb > 5 || !computable(cDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(A, *aDesc) || !on_device(C, *cDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = cDesc->dtype;
  const double a = scale(alpha, t), b = scale(beta, t);
  submit(handle, "cudnnAddTensor", [ad = *aDesc, cd = *cDesc, A, C, t, a, b] {
    const int64_t n = numel(cd);
    for (int64_t i = 0; i < n; ++i) {
      int64_t rest = i, a_off = 0;
      for (int d = cd.nb - 1; d >= 0; --d) {
        const int64_t idx = rest % cd.dims[d];
        rest /= cd.dims[d];
        if (ad.dims[d] != 1) a_off += idx * ad.strides[d];
      }
      blend(C, t, offset_of(cd, i), a, load(A, t, a_off), b);
    }
  });
  return CUDNN_STATUS_SUCCESS;
}

// ---- softmax ----------------------------------------------------------------------------

namespace {

bool valid_softmax(cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode) {
  return (mode == CUDNN_SOFTMAX_MODE_INSTANCE || mode == CUDNN_SOFTMAX_MODE_CHANNEL) &&
         (algo == CUDNN_SOFTMAX_FAST || algo == CUDNN_SOFTMAX_ACCURATE || algo == CUDNN_SOFTMAX_LOG);
}

// Runs body(offsets of one softmax group) over x's groups: INSTANCE is one group per n over
// (C, H, W...), CHANNEL one per (n, h, w...) over C.
template <class Body>
void for_each_softmax_group(cudnnSoftmaxMode_t mode, const cudnnTensorStruct& d, Body body) {
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
}

// The softmax computations as queued: descriptors by value, scales already read.
void softmax_forward(cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode, const cudnnTensorStruct& xd,
                     const void* x, const cudnnTensorStruct& yd, void* y, cudnnDataType_t t, double a, double b) {
  std::vector<double> out;
  for_each_softmax_group(mode, xd, [&](const std::vector<int64_t>& linear) {
    // FAST skips the max subtraction (it may overflow, as documented); the others subtract it.
    double mx = -INFINITY;
    for (int64_t i : linear) mx = std::max(mx, load(x, t, offset_of(xd, i)));
    if (algo == CUDNN_SOFTMAX_FAST) mx = 0;
    double sum = 0;
    for (int64_t i : linear) sum += std::exp(load(x, t, offset_of(xd, i)) - mx);
    out.clear();
    for (int64_t i : linear) {
      const double z = load(x, t, offset_of(xd, i)) - mx;
      // LOG as cuDNN forms it, x - (max + log sum): rounded at the logits' magnitude, not the
      // result's (seen on an H200 with cuDNN 9.19: float64 logits {9999, 3000, 1e4} gave
      // -0.3132616875191161 for 1e4, exactly this order's value; (x - max) - log sum gives
      // -0.31326168751822286). jdnn's log-softmax forward therefore does not use it.
      out.push_back(algo == CUDNN_SOFTMAX_LOG ? load(x, t, offset_of(xd, i)) - (mx + std::log(sum))
                                              : std::exp(z) / sum);
    }
    for (size_t j = 0; j < linear.size(); ++j) blend(y, t, offset_of(yd, linear[j]), a, out[j], b);
  });
}

void softmax_backward(cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode, const cudnnTensorStruct& yd,
                      const void* y, const cudnnTensorStruct& dyd, const void* dy, const cudnnTensorStruct& dxd,
                      void* dx, cudnnDataType_t t, double a, double b) {
  std::vector<double> out;
  // FAST / ACCURATE: dx = y (dy - sum(dy y)); LOG (y is log-softmax): dx = dy - exp(y) sum(dy).
  for_each_softmax_group(mode, yd, [&](const std::vector<int64_t>& linear) {
    double s = 0;
    for (int64_t i : linear) {
      const double g = load(dy, t, offset_of(dyd, i));
      s += algo == CUDNN_SOFTMAX_LOG ? g : g * load(y, t, offset_of(yd, i));
    }
    out.clear();
    for (int64_t i : linear) {
      const double yv = load(y, t, offset_of(yd, i)), g = load(dy, t, offset_of(dyd, i));
      out.push_back(algo == CUDNN_SOFTMAX_LOG ? g - std::exp(yv) * s : yv * (g - s));
    }
    for (size_t j = 0; j < linear.size(); ++j) blend(dx, t, offset_of(dxd, linear[j]), a, out[j], b);
  });
}

}  // namespace

cudnnStatus_t cudnnSoftmaxForward(cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode,
                                  const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,
                                  const void* beta, const cudnnTensorDescriptor_t yDesc, void* y) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || !same_shape_and_type(xDesc, yDesc))
    return CUDNN_STATUS_BAD_PARAM;
  if (!valid_softmax(algo, mode)) return CUDNN_STATUS_BAD_PARAM;
  if (!computable(xDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(x, *xDesc) || !on_device(y, *yDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = xDesc->dtype;
  const double a = scale(alpha, t), b = scale(beta, t);
  submit(handle, "cudnnSoftmaxForward", [algo, mode, xd = *xDesc, yd = *yDesc, x, y, t, a, b] {
    softmax_forward(algo, mode, xd, x, yd, y, t, a, b);
  });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSoftmaxBackward(cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode,
                                   const void* alpha, const cudnnTensorDescriptor_t yDesc, const void* y,
                                   const cudnnTensorDescriptor_t dyDesc, const void* dy, const void* beta,
                                   const cudnnTensorDescriptor_t dxDesc, void* dx) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || !same_shape_and_type(yDesc, dyDesc) ||
      !same_shape_and_type(yDesc, dxDesc))
    return CUDNN_STATUS_BAD_PARAM;
  if (!valid_softmax(algo, mode)) return CUDNN_STATUS_BAD_PARAM;
  if (!computable(yDesc->dtype)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (!on_device(y, *yDesc) || !on_device(dy, *dyDesc) || !on_device(dx, *dxDesc)) return CUDNN_STATUS_EXECUTION_FAILED;
  const cudnnDataType_t t = yDesc->dtype;
  const double a = scale(alpha, t), b = scale(beta, t);
  submit(handle, "cudnnSoftmaxBackward",
         [algo, mode, yd = *yDesc, dyd = *dyDesc, dxd = *dxDesc, y, dy, dx, t, a, b] {
           softmax_backward(algo, mode, yd, y, dyd, dy, dxd, dx, t, a, b);
         });
  return CUDNN_STATUS_SUCCESS;
}

}  // namespace jdnn::vendor::emu
