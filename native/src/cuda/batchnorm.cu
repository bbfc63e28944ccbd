// Batch normalization through cuDNN (CPU twin: cpu/batchnorm.cpp). x (N, C, ...)
// is described as (N, C, S, 1), S the product of the trailing dims, so SPATIAL
// mode gives per-channel statistics for every rank. Training goes through
// cudnnBatchNormalizationForwardTraining / Backward; eval normalizes with
// cudnnBatchNormalizationForwardInference, and its save_* outputs and backward
// (the affine map) are small kernels here, with the per-channel sums of the
// backward done by cudnnConvolutionBackwardBias.
#include <cmath>

#include "cuda/cuda_backend.h"
#include "cuda/cudnn_util.h"

namespace jdnn::cuda {

namespace {

using namespace jdnn::vendor;

template <class T>
__global__ void constant_kernel(T* p, int64_t n, T value) {
  JDNN_KERNEL_LOOP(i, n) { p[i] = value; }
}

// Eval mode normalizes with the running statistics; the backward needs them as mean / invstd.
template <class T>
__global__ void eval_stats_kernel(const T* running_mean, const T* running_var, T* save_mean, T* save_invstd,
                                  int64_t channels, double eps) {
  JDNN_KERNEL_LOOP(i, channels) {
    save_mean[i] = running_mean[i];
    save_invstd[i] = static_cast<T>(1.0 / sqrt(static_cast<double>(running_var[i]) + eps));
  }
}

// dx = gamma invstd dy (gamma null: 1), channel of element i = (i / s) % channels.
template <class T>
__global__ void eval_dx_kernel(const T* dy, const T* gamma, const T* invstd, T* dx, int64_t n, int64_t channels,
                               int64_t s) {
  JDNN_KERNEL_LOOP(i, n) {
    const int64_t c = (i / s) % channels;
    const double k = (gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0) * static_cast<double>(invstd[c]);
    dx[i] = static_cast<T>(k) * dy[i];
  }
}

// t = dy (x - mean) invstd, whose per-channel sum is dgamma.
template <class T>
__global__ void dy_xhat_kernel(const T* dy, const T* x, const T* mean, const T* invstd, T* out, int64_t n,
                               int64_t channels, int64_t s) {
  JDNN_KERNEL_LOOP(i, n) {
    const int64_t c = (i / s) % channels;
    out[i] = dy[i] * (x[i] - mean[c]) * invstd[c];
  }
}

struct BnLayout {
  int64_t n, c, s;
};

BnLayout layout_of(const Tensor& x) {
  const int64_t n = x.dim(0), c = x.dim(1);
  return BnLayout{n, c, n * c == 0 ? 0 : x.numel / (n * c)};
}

// x as (N, C, S, 1) and the derived per-channel (1, C, 1, 1) descriptor.
struct BnDescs {
  TensorDesc x, param;
  BnDescs(const Tensor& t, const BnLayout& l) {
    x.set_4d(cudnn_type(t), l.n, l.c, l.s, 1);
    JDNN_CUDNN(cudnnDeriveBNTensorDescriptor, param.get(), x.get(), CUDNN_BATCHNORM_SPATIAL);
  }
};

void fill_channels(void* p, int64_t n, double value, DType dtype, cudaStream_t s) {
  if (dtype == DType::FLOAT64) launch_n(constant_kernel<double>, n, s, static_cast<double*>(p), n, value);
  else launch_n(constant_kernel<float>, n, s, static_cast<float*>(p), n, static_cast<float>(value));
}

// Per-channel tensors cuDNN requires but the caller left out: taken from one scratch block.
class ChannelScratch {
 public:
  ChannelScratch(Context& c, const Tensor& like, int slots)
      : elem_(dtype_size(like.dtype)), channels_(like.dim(1)),
        block_(c.allocator, static_cast<size_t>(slots * channels_) * elem_) {}
  void* slot(int i) const { return static_cast<char*>(block_.get()) + static_cast<size_t>(i * channels_) * elem_; }

 private:
  size_t elem_;
  int64_t channels_;
  DeviceScratch block_;
};

void* data_or(const Tensor* t, void* fallback) { return t != nullptr ? t->storage->data : fallback; }

void check_epsilon(double eps) {
  JDNN_CHECK(eps >= CUDNN_BN_MIN_EPSILON, "batch_norm: eps ", eps, " is below cuDNN's minimum ",
             CUDNN_BN_MIN_EPSILON);
}

// Per-channel sum of a (N, C, S) tensor into out (C) via cuDNN's bias gradient.
void channel_sum(Context& c, const Tensor& like, const void* src, void* out, const BnLayout& l) {
  const cudnnDataType_t t = cudnn_type(like);
  const Scalars sc(like);
  TensorDesc sd, od;
  sd.set_4d(t, l.n, l.c, l.s, 1);
  od.set_4d(t, 1, l.c, 1, 1);
  JDNN_CUDNN(cudnnConvolutionBackwardBias, c.cudnn, sc.one(), sd.get(), src, sc.zero(), od.get(), out);
}

}  // namespace

void CudaBackend::batch_norm(const Tensor& x, const Tensor* gamma, const Tensor* beta, Tensor* running_mean,
                             Tensor* running_var, Tensor& y, Tensor& save_mean, Tensor& save_invstd, bool training,
                             double momentum, double eps) {
  JDNN_CUDA_OP("batch_norm");
  Context& c = jdnn_op.ctx;
  const BnLayout l = layout_of(x);
  if (l.c == 0) return;
  check_epsilon(eps);
  check_cudnn_elements("batch_norm", "input", x.numel);
  const Scalars sc(x);
  if (!training) {
    if (x.dtype == DType::FLOAT64)
      launch_n(eval_stats_kernel<double>, l.c, c.stream, running_mean->data<double>(), running_var->data<double>(),
               save_mean.data<double>(), save_invstd.data<double>(), l.c, eps);
    else
      launch_n(eval_stats_kernel<float>, l.c, c.stream, running_mean->data<float>(), running_var->data<float>(),
               save_mean.data<float>(), save_invstd.data<float>(), l.c, eps);
    if (x.numel == 0) return;
  }
  const BnDescs d(x, l);
  ChannelScratch scratch(c, x, 2);
  if (gamma == nullptr) fill_channels(scratch.slot(0), l.c, 1.0, x.dtype, c.stream);
  if (beta == nullptr) fill_channels(scratch.slot(1), l.c, 0.0, x.dtype, c.stream);
  const void* g = data_or(gamma, scratch.slot(0));
  const void* b = data_or(beta, scratch.slot(1));
  if (training) {
    JDNN_CUDNN(cudnnBatchNormalizationForwardTraining, c.cudnn, CUDNN_BATCHNORM_SPATIAL, sc.one(), sc.zero(),
               d.x.get(), x.storage->data, d.x.get(), y.storage->data, d.param.get(), g, b, momentum,
               data_or(running_mean, nullptr), data_or(running_var, nullptr), eps, save_mean.storage->data,
               save_invstd.storage->data);
  } else {
    JDNN_CUDNN(cudnnBatchNormalizationForwardInference, c.cudnn, CUDNN_BATCHNORM_SPATIAL, sc.one(), sc.zero(),
               d.x.get(), x.storage->data, d.x.get(), y.storage->data, d.param.get(), g, b,
               running_mean->storage->data, running_var->storage->data, eps);
  }
}

void CudaBackend::batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma, const Tensor& save_mean,
                                      const Tensor& save_invstd, Tensor* dx, Tensor* dgamma, Tensor* dbeta,
                                      bool training, double eps) {
  JDNN_CUDA_OP("batch_norm_backward");
  Context& c = jdnn_op.ctx;
  const BnLayout l = layout_of(x);
  if (l.c == 0 || (dx == nullptr && dgamma == nullptr && dbeta == nullptr)) return;
  if (x.numel == 0) {  // no values: the parameter gradients are empty sums
    for (Tensor* t : {dgamma, dbeta})
      if (t != nullptr)
        JDNN_CUDA_CHECK(cudaMemsetAsync(t->storage->data, 0, t->numel * dtype_size(t->dtype), c.stream));
    return;
  }
  check_cudnn_elements("batch_norm_backward", "input", x.numel);
  const Scalars sc(x);
  if (!training) {
    if (dx != nullptr) {
      if (x.dtype == DType::FLOAT64)
        launch_n(eval_dx_kernel<double>, x.numel, c.stream, dy.data<double>(),
                 gamma != nullptr ? gamma->data<double>() : nullptr, save_invstd.data<double>(), dx->data<double>(),
                 x.numel, l.c, l.s);
      else
        launch_n(eval_dx_kernel<float>, x.numel, c.stream, dy.data<float>(),
                 gamma != nullptr ? gamma->data<float>() : nullptr, save_invstd.data<float>(), dx->data<float>(),
                 x.numel, l.c, l.s);
    }
    if (dbeta != nullptr) channel_sum(c, x, dy.storage->data, dbeta->storage->data, l);
    if (dgamma != nullptr) {
      DeviceScratch t(c.allocator, static_cast<size_t>(x.numel) * dtype_size(x.dtype));
      if (x.dtype == DType::FLOAT64)
        launch_n(dy_xhat_kernel<double>, x.numel, c.stream, dy.data<double>(), x.data<double>(),
                 save_mean.data<double>(), save_invstd.data<double>(), static_cast<double*>(t.get()), x.numel, l.c,
                 l.s);
      else
        launch_n(dy_xhat_kernel<float>, x.numel, c.stream, dy.data<float>(), x.data<float>(), save_mean.data<float>(),
                 save_invstd.data<float>(), static_cast<float*>(t.get()), x.numel, l.c, l.s);
      channel_sum(c, x, t.get(), dgamma->storage->data, l);
    }
    return;
  }
  const BnDescs d(x, l);
  ChannelScratch scratch(c, x, 3);
  if (gamma == nullptr) fill_channels(scratch.slot(0), l.c, 1.0, x.dtype, c.stream);
  // cuDNN writes dx, dgamma and dbeta unconditionally: unwanted ones land in scratch.
  DeviceScratch dx_scratch(c.allocator, dx == nullptr ? static_cast<size_t>(x.numel) * dtype_size(x.dtype) : 0);
  // cuDNN asks for the forward's epsilon here ("the same epsilon value should be used in forward
  // and backward functions"), even though the saved statistics already hold it.
  check_epsilon(eps);
  JDNN_CUDNN(cudnnBatchNormalizationBackward, c.cudnn, CUDNN_BATCHNORM_SPATIAL, sc.one(), sc.zero(), sc.one(),
             sc.zero(), d.x.get(), x.storage->data, d.x.get(), dy.storage->data, d.x.get(),
             data_or(dx, dx_scratch.get()), d.param.get(), data_or(gamma, scratch.slot(0)),
             data_or(dgamma, scratch.slot(1)), data_or(dbeta, scratch.slot(2)), eps, save_mean.storage->data,
             save_invstd.storage->data);
}

}  // namespace jdnn::cuda
