// Internals shared by the files of the cuDNN emulation (emu/cudnn.cpp,
// cudnn_conv.cpp, cudnn_batchnorm.cpp): what the descriptors hold, and typed
// element access through a descriptor's dims and strides. Scaling factors are
// read as documented: double for double data, float for every other type.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>

#include "cuda/emu/vendor_emu.h"
#include "kernels/half.h"

namespace jdnn::vendor {

// A convolution configuration and algorithm as the emulated Find saw them: direction, the
// geometry, data type and algorithm (see cudnn_conv.cpp).
using FoundKey = std::array<int64_t, 20>;

struct cudnnContext {
  cudaStream_t stream = nullptr;
  // The math type each Find on this handle reported per configuration and algorithm.
  std::map<FoundKey, cudnnMathType_t> found_math;
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

struct cudnnActivationStruct {
  bool set = false;
  cudnnActivationMode_t mode = CUDNN_ACTIVATION_RELU;
  cudnnNanPropagation_t nan = CUDNN_NOT_PROPAGATE_NAN;
  double coef = 0;
};

}  // namespace jdnn::vendor

namespace jdnn::vendor::emu {

using cuda::emu::is_device_range;

// Queues the computation of a compute entry on the handle's stream, after its checks passed.
// The work must own copies of everything it reads from the caller's host memory (descriptor
// contents, alpha / beta): the caller may destroy or reuse them once the call returns.
inline void submit(cudnnHandle_t handle, const char* what, std::function<void()> work) {
  cuda::emu::enqueue(handle->stream, what, std::move(work));
}

// Descriptors are tracked from create to destroy, so a call given a destroyed (stale)
// descriptor fails with CUDNN_STATUS_BAD_PARAM instead of reading freed memory.
void track_descriptor(const void* desc, bool live);
bool is_live_descriptor(const void* desc);

template <class Desc>
inline bool usable(const Desc* d) {
  return d != nullptr && is_live_descriptor(d) && d->set;
}

// cuDNN refuses tensor descriptors of more than 2 Giga-elements (2^31) with
// CUDNN_STATUS_NOT_SUPPORTED (cuDNN API reference, cudnnSetTensor4dDescriptor and
// cudnnSetTensorNdDescriptor: "the total size of the tensor descriptor exceeds the maximum
// limit of 2 Giga-elements").
constexpr int64_t kMaxTensorElements = int64_t(1) << 31;

// Whether float data computes in TF32 under a convolution's math type, per the cuDNN API
// reference (cudnnMathType_t): CUDNN_FMA_MATH restricts cuDNN to FMA kernels; the other math
// types permit TF32 tensor-core kernels on devices of compute capability 8.0 and newer, unless
// NVIDIA_TF32_OVERRIDE=0 disables TF32 process-wide. The emulated device's capability is read
// from cudaGetDeviceProperties at each call, so a profile that reports sm_75 gets exact float.
bool tf32_applies(cudnnDataType_t data, cudnnMathType_t math);

inline bool computable(cudnnDataType_t t) { return t == CUDNN_DATA_FLOAT || t == CUDNN_DATA_DOUBLE; }
inline bool half_type(cudnnDataType_t t) { return t == CUDNN_DATA_HALF || t == CUDNN_DATA_BFLOAT16; }
// A convolution's data and compute types, as the cuDNN API reference's configurations allow them
// (cudnnConvolutionForward): FLOAT_CONFIG and DOUBLE_CONFIG, and PSEUDO_HALF_CONFIG /
// PSEUDO_BFLOAT16_CONFIG (16-bit data, float32 compute), the ones the backend uses. Others (true
// half compute among them) are not emulated.
inline bool conv_computable(cudnnDataType_t data, cudnnDataType_t compute) {
  return (computable(data) && compute == data) || (half_type(data) && compute == CUDNN_DATA_FLOAT);
}
inline size_t elem_size(cudnnDataType_t t) { return t == CUDNN_DATA_DOUBLE ? 8 : t == CUDNN_DATA_FLOAT ? 4 : 2; }
inline bool known_type(cudnnDataType_t t) {
  return t == CUDNN_DATA_FLOAT || t == CUDNN_DATA_DOUBLE || t == CUDNN_DATA_HALF || t == CUDNN_DATA_BFLOAT16;
}

// A scaling factor as documented: double for double data, float for every other type.
inline double scale(const void* p, cudnnDataType_t data) {
  return data == CUDNN_DATA_DOUBLE ? *static_cast<const double*>(p) : *static_cast<const float*>(p);
}

inline int64_t numel(const cudnnTensorStruct& d) {
  int64_t n = 1;
  for (int i = 0; i < d.nb; ++i) n *= d.dims[i];
  return n;
}

// Memory offset of the element whose row-major position over the dims is `linear`.
inline int64_t offset_of(const cudnnTensorStruct& d, int64_t linear) {
  int64_t off = 0;
  for (int i = d.nb - 1; i >= 0; --i) {
    off += (linear % d.dims[i]) * d.strides[i];
    linear /= d.dims[i];
  }
  return off;
}

// Bytes from the base pointer to one past the furthest element the descriptor reaches.
inline size_t extent_bytes(const cudnnTensorStruct& d) {
  int64_t last = 0;
  for (int i = 0; i < d.nb; ++i) last += int64_t(d.dims[i] - 1) * d.strides[i];
  return static_cast<size_t>(last + 1) * elem_size(d.dtype);
}

inline bool on_device(const void* p, const cudnnTensorStruct& d) { return is_device_range(p, extent_bytes(d)); }

inline int64_t filter_numel(const cudnnFilterStruct& f) { return int64_t(f.k) * f.c * f.h * f.w; }
inline bool on_device(const void* p, const cudnnFilterStruct& f) {
  return is_device_range(p, static_cast<size_t>(filter_numel(f)) * elem_size(f.dtype));
}

// Reads / writes element `off` of typed data as double. 16-bit data is stored from the float32 the
// computation accumulates in (nearest even, kernels/half.h and bf16.h: IEEE binary16 and bfloat16).
inline double load(const void* p, cudnnDataType_t t, int64_t off) {
  switch (t) {
    case CUDNN_DATA_DOUBLE: return static_cast<const double*>(p)[off];
    case CUDNN_DATA_HALF: return kernels::f16_to_float(static_cast<const uint16_t*>(p)[off]);
    case CUDNN_DATA_BFLOAT16: return kernels::bf16_to_float(static_cast<const uint16_t*>(p)[off]);
    default: return static_cast<const float*>(p)[off];
  }
}
inline void store(void* p, cudnnDataType_t t, int64_t off, double v) {
  switch (t) {
    case CUDNN_DATA_DOUBLE: static_cast<double*>(p)[off] = v; return;
    case CUDNN_DATA_HALF: static_cast<uint16_t*>(p)[off] = kernels::float_to_f16(static_cast<float>(v)); return;
    case CUDNN_DATA_BFLOAT16: static_cast<uint16_t*>(p)[off] = kernels::float_to_bf16(static_cast<float>(v)); return;
    default: static_cast<float*>(p)[off] = static_cast<float>(v);
  }
}

// A double rounded to the data type, as a store and a load would round it.
inline double round_to(cudnnDataType_t t, double v) {
  switch (t) {
    case CUDNN_DATA_DOUBLE: return v;
    case CUDNN_DATA_HALF: return kernels::f16_to_float(kernels::float_to_f16(static_cast<float>(v)));
    case CUDNN_DATA_BFLOAT16: return kernels::bf16_to_float(kernels::float_to_bf16(static_cast<float>(v)));
    default: return static_cast<double>(static_cast<float>(v));
  }
}

// dst = alpha * value + beta * dst, dst not read when beta is 0 (it may hold NaN).
inline void blend(void* p, cudnnDataType_t t, int64_t off, double alpha, double value, double beta) {
  const double r = alpha * value;
  store(p, t, off, beta == 0 ? r : r + beta * load(p, t, off));
}

inline bool same_dims(const cudnnTensorStruct& a, const cudnnTensorStruct& b) {
  if (a.nb != b.nb) return false;
  for (int i = 0; i < a.nb; ++i)
    if (a.dims[i] != b.dims[i]) return false;
  return true;
}

// Same dims and data type.
inline bool same_shape_and_type(const cudnnTensorStruct* a, const cudnnTensorStruct* b) {
  return usable(a) && usable(b) && same_dims(*a, *b) && a->dtype == b->dtype;
}

}  // namespace jdnn::vendor::emu
