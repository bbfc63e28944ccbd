// Optimizer steps on the CUDA backend (CPU twin: cpu/optim.cpp). The update of
// one element is kernels/optim.h's, with the hyper-parameters converted exactly
// as the CPU converts them, so both backends follow one formula.
#include "cuda/cuda_backend.h"
#include "cuda/dispatch.h"
#include "jdnn/jdnn.h"
#include "kernels/optim.h"

namespace jdnn::cuda {

namespace {

// Optional state the configuration does not keep arrives as a null pointer; a
// per-element zero stands in for it, as on the CPU.
template <class T>
__global__ void sgd_kernel(T* p, const T* g, T* buf, int64_t n, kernels::SgdParams s) {
  JDNN_KERNEL_LOOP(i, n) {
    T scratch = T(0);
    kernels::sgd_update(p[i], g[i], buf != nullptr ? buf[i] : scratch, s);
  }
}

template <class T>
__global__ void adagrad_kernel(T* p, const T* g, T* sum, int64_t n, kernels::AdagradParams a) {
  JDNN_KERNEL_LOOP(i, n) { kernels::adagrad_update(p[i], g[i], sum[i], a); }
}

template <class T>
__global__ void rmsprop_kernel(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, int64_t n,
                               kernels::RmspropParams r) {
  JDNN_KERNEL_LOOP(i, n) {
    T scratch = T(0), unused = T(0);
    kernels::rmsprop_update(p[i], g[i], square_avg[i], grad_avg != nullptr ? grad_avg[i] : scratch,
                            buf != nullptr ? buf[i] : unused, r);
  }
}

template <bool AMSGRAD, bool DECOUPLED, class T>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, T* v_max, int64_t n, kernels::AdamConstants<T> c) {
  JDNN_KERNEL_LOOP(i, n) {
    T scratch = T(0);
    kernels::adam_update<AMSGRAD, DECOUPLED>(p[i], g[i], m[i], v[i], AMSGRAD ? v_max[i] : scratch, c);
  }
}

template <class T>
__global__ void clip_value_kernel(T* g, int64_t n, T limit) {
  JDNN_KERNEL_LOOP(i, n) { g[i] = kernels::clip_value(g[i], limit); }
}

template <class T>
T* data_or_null(Tensor* t) {
  return t != nullptr ? t->data<T>() : nullptr;
}

}  // namespace

void CudaBackend::sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum, double dampening,
                      double wd, bool nesterov, bool first) {
  JDNN_CUDA_OP("sgd");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::SgdParams params{lr, momentum, dampening, wd, nesterov, first};
  with_float(p.dtype, "sgd", [&](auto zero) {
    using T = decltype(zero);
    launch_n(sgd_kernel<T>, p.numel, s, p.data<T>(), g.data<T>(), data_or_null<T>(buf), p.numel, params);
  });
}

void CudaBackend::adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay, double eps,
                          double wd, int64_t step) {
  JDNN_CUDA_OP("adagrad");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::AdagradParams params = kernels::adagrad_params(lr, lr_decay, eps, wd, step);
  with_float(p.dtype, "adagrad", [&](auto zero) {
    using T = decltype(zero);
    launch_n(adagrad_kernel<T>, p.numel, s, p.data<T>(), g.data<T>(), sum.data<T>(), p.numel, params);
  });
}

void CudaBackend::rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg, Tensor* buf,
                          double lr, double alpha, double eps, double wd, double momentum) {
  JDNN_CUDA_OP("rmsprop");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::RmspropParams params{lr, alpha, eps, wd, momentum, grad_avg != nullptr};
  with_float(p.dtype, "rmsprop", [&](auto zero) {
    using T = decltype(zero);
    launch_n(rmsprop_kernel<T>, p.numel, s, p.data<T>(), g.data<T>(), square_avg.data<T>(),
             data_or_null<T>(grad_avg), data_or_null<T>(buf), p.numel, params);
  });
}

void CudaBackend::adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr, double b1,
                       double b2, double eps, double wd, int64_t step, bool decoupled) {
  JDNN_CUDA_OP("adam");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::AdamParams a = kernels::adam_params(lr, b1, b2, eps, wd, step, v_max != nullptr, decoupled);
  with_float(p.dtype, "adam", [&](auto zero) {
    using T = decltype(zero);
    const kernels::AdamConstants<T> c(a);
    T *ps = p.data<T>(), *ms = m.data<T>(), *vs = v.data<T>(), *mx = data_or_null<T>(v_max);
    const T* gs = g.data<T>();
    const int64_t n = p.numel;
    kernels::with_adam_variant(mx != nullptr, decoupled, [&](auto amsgrad, auto decoupled_) {
      launch_n(adam_kernel<decltype(amsgrad)::value, decltype(decoupled_)::value, T>, n, s, ps, gs, ms, vs, mx, n, c);
    });
  });
}

void CudaBackend::clip_value(Tensor& g, double limit) {
  JDNN_CUDA_OP("clip_value");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(g.dtype, "clip_value", [&](auto zero) {
    using T = decltype(zero);
    launch_n(clip_value_kernel<T>, g.numel, s, g.data<T>(), g.numel, static_cast<T>(limit));
  });
}

}  // namespace jdnn::cuda
