// Internals shared by the files of the cuDNN emulation (emu/cudnn.cpp,
// cudnn_conv.cpp, cudnn_batchnorm.cpp): what the descriptors hold, and typed
// element access through a descriptor's dims and strides. Scaling factors are
// read as documented: double for double data, float for every other type.
#pragma once
#include <cstdint>

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

using cuda::emu::is_device_range;

inline bool computable(cudnnDataType_t t) { return t == CUDNN_DATA_FLOAT || t == CUDNN_DATA_DOUBLE; }
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

// Reads / writes element `off` of typed data as double.
inline double load(const void* p, cudnnDataType_t t, int64_t off) {
  return t == CUDNN_DATA_DOUBLE ? static_cast<const double*>(p)[off] : static_cast<const float*>(p)[off];
}
inline void store(void* p, cudnnDataType_t t, int64_t off, double v) {
  if (t == CUDNN_DATA_DOUBLE) static_cast<double*>(p)[off] = v;
  else static_cast<float*>(p)[off] = static_cast<float>(v);
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
  return a != nullptr && b != nullptr && a->set && b->set && same_dims(*a, *b) && a->dtype == b->dtype;
}

}  // namespace jdnn::vendor::emu
