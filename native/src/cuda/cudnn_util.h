// Small helpers shared by the cuDNN-backed op files (conv.cu, batchnorm.cu,
// softmax.cu): descriptors owned by RAII wrappers, the alpha / beta scalars
// cuDNN expects for a dtype, and typed element addresses.
#pragma once
#include <climits>
#include <cstddef>
#include <cstdint>

#include "core/tensor.h"
#include "cuda/vendor.h"
#include "jdnn/jdnn.h"

namespace jdnn::cuda {

inline vendor::cudnnDataType_t cudnn_type(const Tensor& t) {
  JDNN_CHECK(t.dtype == DType::FLOAT32 || t.dtype == DType::FLOAT64, "cuDNN ops take float32 or float64, got ", t.describe());
  return t.dtype == DType::FLOAT64 ? vendor::CUDNN_DATA_DOUBLE : vendor::CUDNN_DATA_FLOAT;
}

// Address of element `index` of a float tensor.
inline void* element_ptr(const Tensor& t, int64_t index) {
  return static_cast<char*>(t.storage->data) + index * static_cast<int64_t>(dtype_size(t.dtype));
}

// cuDNN reads alpha / beta from host memory as double for double data, as float otherwise.
class Scalars {
 public:
  explicit Scalars(const Tensor& t) : f64_(t.dtype == DType::FLOAT64) {}
  const void* one() const { return f64_ ? static_cast<const void*>(&d1_) : &f1_; }
  const void* zero() const { return f64_ ? static_cast<const void*>(&d0_) : &f0_; }

 private:
  bool f64_;
  float f1_ = 1.0f, f0_ = 0.0f;
  double d1_ = 1.0, d0_ = 0.0;
};

// A cuDNN dimension: fails naming the value when it does not fit an int.
inline int cudnn_dim(int64_t v, const char* what) {
  JDNN_CHECK(v >= 0 && v <= INT_MAX, "cuDNN takes int dimensions, but ", what, " is ", v);
  return static_cast<int>(v);
}

// cuDNN refuses tensors of more than 2 Giga-elements (cudnnSetTensor4dDescriptor and
// cudnnSetTensorNdDescriptor return CUDNN_STATUS_NOT_SUPPORTED "when the total size of the
// tensor descriptor exceeds the maximum limit of 2 Giga-elements").
constexpr int64_t kCudnnMaxElements = int64_t(1) << 31;

// Checked by the ops before they describe anything, so the message names the op and the tensor.
inline void check_cudnn_elements(const char* op, const char* what, int64_t elements) {
  JDNN_CHECK(elements <= kCudnnMaxElements, op, ": the ", what, " has ", elements,
             " elements, more than cuDNN's limit of ", kCudnnMaxElements,
             " (2^31) per tensor; run it in smaller batches");
}

// The descriptor wrappers below destroy without checking the status on purpose: a
// destructor must not throw (it may run while an op's error unwinds), and a failed
// destroy only leaks a few bytes of host memory.
class TensorDesc {
 public:
  TensorDesc() { JDNN_CUDNN(cudnnCreateTensorDescriptor, &d_); }
  ~TensorDesc() { vendor::vendor().cudnnDestroyTensorDescriptor(d_); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
  // Packed NCHW.
  void set_4d(vendor::cudnnDataType_t t, int64_t n, int64_t c, int64_t h, int64_t w) {
    check_cudnn_elements("cuDNN tensor descriptor", "tensor", n * c * h * w);
    JDNN_CUDNN(cudnnSetTensor4dDescriptor, d_, vendor::CUDNN_TENSOR_NCHW, t, cudnn_dim(n, "N"), cudnn_dim(c, "C"),
               cudnn_dim(h, "H"), cudnn_dim(w, "W"));
  }
  vendor::cudnnTensorDescriptor_t get() const { return d_; }

 private:
  vendor::cudnnTensorDescriptor_t d_ = nullptr;
};

class FilterDesc {
 public:
  FilterDesc() { JDNN_CUDNN(cudnnCreateFilterDescriptor, &d_); }
  ~FilterDesc() { vendor::vendor().cudnnDestroyFilterDescriptor(d_); }
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
  void set(vendor::cudnnDataType_t t, int64_t k, int64_t c, int64_t h, int64_t w) {
    JDNN_CUDNN(cudnnSetFilter4dDescriptor, d_, t, vendor::CUDNN_TENSOR_NCHW, cudnn_dim(k, "K"), cudnn_dim(c, "C"),
               cudnn_dim(h, "kh"), cudnn_dim(w, "kw"));
  }
  vendor::cudnnFilterDescriptor_t get() const { return d_; }

 private:
  vendor::cudnnFilterDescriptor_t d_ = nullptr;
};

class ConvDesc {
 public:
  ConvDesc() { JDNN_CUDNN(cudnnCreateConvolutionDescriptor, &d_); }
  ~ConvDesc() { vendor::vendor().cudnnDestroyConvolutionDescriptor(d_); }
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
  vendor::cudnnConvolutionDescriptor_t get() const { return d_; }

 private:
  vendor::cudnnConvolutionDescriptor_t d_ = nullptr;
};

// The identity activation of the fused convolution (conv.cu's fused_forward); its NaN option
// does not matter for the identity.
class ActivationDesc {
 public:
  ActivationDesc() { JDNN_CUDNN(cudnnCreateActivationDescriptor, &d_); }
  ~ActivationDesc() { vendor::vendor().cudnnDestroyActivationDescriptor(d_); }
  ActivationDesc(const ActivationDesc&) = delete;
  ActivationDesc& operator=(const ActivationDesc&) = delete;
  void set_identity() {
    JDNN_CUDNN(cudnnSetActivationDescriptor, d_, vendor::CUDNN_ACTIVATION_IDENTITY, vendor::CUDNN_NOT_PROPAGATE_NAN, 0.0);
  }
  // max(x, 0) keeping NaN, as jdnn's ReLU does: cuDNN keeps NaN only under CUDNN_PROPAGATE_NAN
  // (confirmed for the fused convolution on a GPU: native/test/gpu/fused_relu_nan_probe.cu).
  void set_relu_keeping_nan() {
    JDNN_CUDNN(cudnnSetActivationDescriptor, d_, vendor::CUDNN_ACTIVATION_RELU, vendor::CUDNN_PROPAGATE_NAN, 0.0);
  }
  vendor::cudnnActivationDescriptor_t get() const { return d_; }

 private:
  vendor::cudnnActivationDescriptor_t d_ = nullptr;
};

}  // namespace jdnn::cuda
