// Fused softmax cross-entropy and the element-wise point losses on the CUDA
// backend (CPU twin: cpu/loss.cpp). Each row's arithmetic is the CPU's,
// in the same order, so both backends give the same loss and probabilities.
#include "cuda/cuda_backend.h"
#include "cuda/device_errors.h"
#include "cuda/dispatch.h"
#include "jdnn/jdnn.h"
#include "kernels/point_loss.h"

namespace jdnn::cuda {

namespace {

template <class Label>
__device__ __host__ __forceinline__ int64_t label_of(const Label* labels, int64_t i) {
  return static_cast<int64_t>(labels[i]);
}

// One thread per row: the row's max and 1 / sum of exp (for the probabilities),
// and its -log softmax at the label computed from the logits, so a probability
// that underflowed to 0 still gives a finite loss. A bad label leaves the row's
// loss 0 and is recorded (the record keeps the first bad row, the one the CPU
// reports). The max is kept as a double, which holds T exactly.
template <class T, class Label>
__global__ void cross_entropy_rows(const T* x, const Label* labels, double* row_max, double* row_inv,
                                   double* row_loss, int64_t n, int64_t c, DeviceErrorRecord* errors,
                                   ErrorSite site) {
  JDNN_KERNEL_LOOP(r, n) {
    const T* xr = x + r * c;
    T mx = xr[0];
    for (int64_t j = 1; j < c; ++j) mx = xr[j] > mx ? xr[j] : mx;
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(xr[j] - mx));
    row_max[r] = static_cast<double>(mx);
    row_inv[r] = 1.0 / sum;
    const int64_t k = label_of(labels, r);
    if (k < 0 || k >= c) {
      record_error(errors, site, r, k);
      row_loss[r] = 0;
    } else {
      row_loss[r] = std::log(sum) - static_cast<double>(xr[k] - mx);
    }
  }
}

// The probabilities, one thread per element, rounded as the CPU's softmax rounds them.
template <class T>
__global__ void cross_entropy_probs(const T* x, const double* row_max, const double* row_inv, T* probs,
                                    int64_t n, int64_t c) {
  JDNN_KERNEL_LOOP(i, n * c) {
    const int64_t r = i / c;
    const T mx = static_cast<T>(row_max[r]);
    probs[i] = static_cast<T>(std::exp(static_cast<double>(x[i] - mx)) * row_inv[r]);
  }
}

// Serial on purpose: the rows are summed in index order, as on the CPU, so the
// loss does not depend on the launch shape.
template <class T>
__global__ void mean_of_rows(const double* row_loss, int64_t n, T* loss) {
  JDNN_KERNEL_LOOP(i, 1) {
    double total = 0;
    for (int64_t r = 0; r < n; ++r) total += row_loss[r];
    *loss = static_cast<T>(total / static_cast<double>(n));  // an empty batch: 0 / 0 = NaN, as PyTorch
  }
}

// dlogits = dloss / N * (probs - onehot); dloss is read on the device.
template <class T, class Label>
__global__ void cross_entropy_backward_kernel(const T* probs, const Label* labels, const T* dloss, T* d,
                                              int64_t n, int64_t c, DeviceErrorRecord* errors, ErrorSite site) {
  JDNN_KERNEL_LOOP(i, n * c) {
    const int64_t r = i / c;
    const int64_t j = i - r * c;
    const int64_t k = label_of(labels, r);
    if (j == 0 && (k < 0 || k >= c)) record_error(errors, site, r, k);
    const T scale = dloss[0] / static_cast<T>(n);
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
  const size_t rows = static_cast<size_t>(n > 0 ? n : 1);
  DeviceScratch per_row(ctx.allocator, 3 * rows * sizeof(double));  // max, 1 / sum, loss
  double* row_max = per_row.as<double>();
  double* row_inv = row_max + rows;
  double* row_loss = row_inv + rows;
  with_float(logits.dtype, "cross_entropy", [&](auto zero) {
    using T = decltype(zero);
    with_label(labels.dtype, [&](auto label_zero) {
      using L = decltype(label_zero);
      launch_n(cross_entropy_rows<T, L>, n, ctx.stream, logits.data<T>(), labels.data<L>(), row_max, row_inv,
               row_loss, n, c, ctx.errors.record(), site);
    });
    launch_n(cross_entropy_probs<T>, n * c, ctx.stream, logits.data<T>(), row_max, row_inv, probs.data<T>(), n, c);
    launch(mean_of_rows<T>, 1, 1, ctx.stream, row_loss, n, loss.data<T>());
  });
}

void CudaBackend::cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss,
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
               dloss.data<T>(), dlogits.data<T>(), n, c, ctx.errors.record(), site);
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
