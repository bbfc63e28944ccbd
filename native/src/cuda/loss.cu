// Fused softmax cross-entropy and the element-wise point losses on the CUDA
// backend (CPU twin: cpu/loss.cpp). Each row's arithmetic is the CPU's,
// in the same order, so both backends give the same loss and probabilities.
#include "cuda/cuda_backend.h"
#include "cuda/device_errors.h"
#include "cuda/dispatch.h"
#include "cuda/finish_counter.h"
#include "jdnn/jdnn.h"
#include "kernels/point_loss.h"

namespace jdnn::cuda {

namespace {

template <class Label>
__device__ __host__ __forceinline__ int64_t label_of(const Label* labels, int64_t i) {
  return static_cast<int64_t>(labels[i]);
}

// One thread per row: the row's max and sum of exp, its -log softmax at the label computed from
// the logits (so a probability that underflowed to 0 still gives a finite loss) and then the row's
// probabilities, rounded as the CPU's softmax rounds them. A bad label leaves the row's loss 0 and
// is recorded (the record keeps the first bad row, the one the CPU reports). The max is kept as T,
// the sum as a double. The thread that finishes the last row (cuda/finish_counter.h) sums the
// rows' losses in index order, as on the CPU, so the loss does not depend on the launch shape:
// one launch for the whole forward.
template <class T, class Label>
__global__ void cross_entropy_kernel(const T* x, const Label* labels, double* row_loss, T* probs, T* loss,
                                     int64_t n, int64_t c, unsigned long long* finished,
                                     DeviceErrorRecord* errors, ErrorSite site) {
  JDNN_KERNEL_LOOP(r, n) {
    const T* xr = x + r * c;
    T mx = xr[0];
    for (int64_t j = 1; j < c; ++j) mx = xr[j] > mx ? xr[j] : mx;
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(xr[j] - mx));
    const double inv = 1.0 / sum;
    const int64_t k = label_of(labels, r);
    if (k < 0 || k >= c) {
      record_error(errors, site, r, k);
      row_loss[r] = 0;
    } else {
      row_loss[r] = std::log(sum) - static_cast<double>(xr[k] - mx);
    }
    T* pr = probs + r * c;
    for (int64_t j = 0; j < c; ++j) pr[j] = static_cast<T>(std::exp(static_cast<double>(xr[j] - mx)) * inv);
    if (finished_last(finished, 1, static_cast<unsigned long long>(n))) {
      const volatile double* rows = row_loss;  // other threads' writes, fenced before they counted
      double total = 0;
      for (int64_t q = 0; q < n; ++q) total += rows[q];
      *loss = static_cast<T>(total / static_cast<double>(n));
      finish_reset(finished);
    }
  }
}

// An empty batch (n == 0): the mean of no rows, 0 / 0 = NaN, as PyTorch.
template <class T>
__global__ void empty_mean(T* loss, int64_t n) {
  JDNN_KERNEL_LOOP(i, 1) { *loss = static_cast<T>(0.0 / static_cast<double>(n)); }
}

// dlogits = dloss / N * (probs - onehot); dloss is read on the device, or 1 when null (the loss's own
// backward(), whose seed of ones then costs no fill kernel).
template <class T, class Label>
__global__ void cross_entropy_backward_kernel(const T* probs, const Label* labels, const T* dloss, T* d,
                                              int64_t n, int64_t c, DeviceErrorRecord* errors, ErrorSite site) {
  JDNN_KERNEL_LOOP(i, n * c) {
    const int64_t r = i / c;
    const int64_t j = i - r * c;
    const int64_t k = label_of(labels, r);
    if (j == 0 && (k < 0 || k >= c)) record_error(errors, site, r, k);
    const T scale = (dloss != nullptr ? dloss[0] : T(1)) / static_cast<T>(n);
    d[i] = scale * (probs[i] - (j == k ? T(1) : T(0)));
  }
}

// For a loss with a domain, an element outside it is recorded on the device (device_errors.h):
// position 2 i for a bad input, 2 i + 1 for a good input with a bad target (the record keeps the
// smallest, so the first element, its input before its target, as the CPU names them), the value
// as the bits of the offending number in double.
template <class T, class F>
__global__ void point_loss_kernel(F f, const T* x, const T* t, T* out, int64_t n, DeviceErrorRecord* record,
                                  ErrorSite site) {
  JDNN_KERNEL_LOOP(i, n) {
    out[i] = f.fwd(x[i], t[i]);
    if (F::kHasDomain && !f.in_domain(x[i], t[i])) {
      const bool input_bad = !(x[i] >= T(0) && x[i] <= T(1));
      record_error(record, site, 2 * i + (input_bad ? 0 : 1),
                   double_bits(static_cast<double>(input_bad ? x[i] : t[i])));
    }
  }
}

template <class T, class F>
__global__ void point_loss_backward_kernel(F f, const T* x, const T* t, const T* dy, T* dx, int64_t n) {
  JDNN_KERNEL_LOOP(i, n) { dx[i] = f.bwd(x[i], t[i], dy[i]); }
}

// Labels are int32 or int64; the facade has checked which.
template <class F>
void with_label(DType dtype, F&& f) {
  if (dtype == DType::INT32) f(int32_t{});
  else f(int64_t{});
}

}  // namespace

void CudaBackend::cross_entropy(const Tensor& logits, const Tensor& labels, Tensor& loss, Tensor& probs) {
  JDNN_CUDA_OP("cross_entropy");
  Context& ctx = jdnn_op.ctx;
  const int64_t n = logits.dim(0), c = logits.dim(1);
  // A bad label is recorded on the device and raised at the next synchronizing call.
  const ErrorSite site = ctx.errors.site(ctx.stream, DeviceCheck::CROSS_ENTROPY_LABEL, c);
  if (n == 0) {
    with_float(logits.dtype, "cross_entropy", [&](auto zero) {
      using T = decltype(zero);
      launch(empty_mean<T>, 1, 1, ctx.stream, loss.data<T>(), n);
    });
    return;
  }
  DeviceScratch per_row(ctx.allocator, static_cast<size_t>(n) * sizeof(double));  // each row's loss
  double* row_loss = per_row.as<double>();
  unsigned long long* finished = ctx.finish.get(ctx.stream);
  with_float(logits.dtype, "cross_entropy", [&](auto zero) {
    using T = decltype(zero);
    with_label(labels.dtype, [&](auto label_zero) {
      using L = decltype(label_zero);
      launch_n(cross_entropy_kernel<T, L>, n, ctx.stream, logits.data<T>(), labels.data<L>(), row_loss,
               probs.data<T>(), loss.data<T>(), n, c, finished, ctx.errors.record(), site);
    });
  });
}

void CudaBackend::cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor* dloss,
                                         Tensor& dlogits) {
  JDNN_CUDA_OP("cross_entropy_backward");
  Context& ctx = jdnn_op.ctx;
  const int64_t n = probs.dim(0), c = probs.dim(1);
  const ErrorSite site = ctx.errors.site(ctx.stream, DeviceCheck::CROSS_ENTROPY_BACKWARD_LABEL, c);
  with_float(probs.dtype, "cross_entropy_backward", [&](auto zero) {
    using T = decltype(zero);
    with_label(labels.dtype, [&](auto label_zero) {
      using L = decltype(label_zero);
      launch_n(cross_entropy_backward_kernel<T, L>, n * c, ctx.stream, probs.data<T>(), labels.data<L>(),
               dloss != nullptr ? dloss->data<T>() : nullptr, dlogits.data<T>(), n, c, ctx.errors.record(), site);
    });
  });
}

// Only a loss with a domain (BCE on probabilities) checks its data, on the device: a bad element
// is raised at the next synchronization, so this returns -1 without waiting.
int64_t CudaBackend::point_loss(PointLoss op, const Tensor& x, const Tensor& t, Tensor& out) {
  JDNN_CUDA_OP("point_loss");
  Context& ctx = jdnn_op.ctx;
  with_float(x.dtype, "point_loss", [&](auto zero) {
    using T = decltype(zero);
    kernels::with_point_loss(op, [&](auto f) {
      using F = decltype(f);
      if constexpr (F::kHasDomain) {
        const ErrorSite site = ctx.errors.site(ctx.stream, DeviceCheck::POINT_LOSS_DOMAIN);
        launch_n(point_loss_kernel<T, F>, x.numel, ctx.stream, f, x.data<T>(), t.data<T>(), out.data<T>(), x.numel,
                 ctx.errors.record(), site);
      } else {
        launch_n(point_loss_kernel<T, F>, x.numel, ctx.stream, f, x.data<T>(), t.data<T>(), out.data<T>(), x.numel,
                 static_cast<DeviceErrorRecord*>(nullptr), ErrorSite{});
      }
    });
  });
  return -1;
}

void CudaBackend::point_loss_backward(PointLoss op, const Tensor& x, const Tensor& t, const Tensor& dy, Tensor& dx) {
  JDNN_CUDA_OP("point_loss_backward");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(x.dtype, "point_loss_backward", [&](auto zero) {
    using T = decltype(zero);
    kernels::with_point_loss(op, [&](auto f) {
      launch_n(point_loss_backward_kernel<T, decltype(f)>, x.numel, s, f, x.data<T>(), t.data<T>(),
               dy.data<T>(), dx.data<T>(), x.numel);
    });
  });
}

}  // namespace jdnn::cuda
