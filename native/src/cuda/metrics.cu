// Running sums of a training loop on the CUDA backend (CPU twin: cpu/metrics.cpp): updated in
// place by one launch each, so a training step adds its loss and its correct count without the
// host waiting; the loop reads the sums when it logs.
#include "cuda/cuda_backend.h"
#include "cuda/device_errors.h"
#include "cuda/dispatch.h"

namespace jdnn::cuda {

namespace {

// One thread: the sums are a handful of doubles, updated in the CPU's order.
template <class T>
__global__ void accumulate_loss_kernel(const T* loss, double* sums, double weight, int64_t step) {
  JDNN_KERNEL_LOOP(i, 1) {
    const double l = static_cast<double>(loss[0]);
    sums[0] += l * weight;
    sums[1] += weight;
    if (!(l - l == 0.0) && sums[2] == 0) {  // NaN and +-inf, and only they, give l - l != 0
      sums[2] = static_cast<double>(step);
      sums[3] = l;
    }
  }
}

// One thread per row; an integer count, so the order of the atomic adds does not matter. A bad
// label counts the row wrong and is recorded (the record keeps the first bad row).
template <class T, class Label>
__global__ void count_correct_kernel(const T* x, const Label* labels, int64_t n, int64_t c, int64_t k,
                                     unsigned long long* correct, DeviceErrorRecord* errors, ErrorSite site) {
  JDNN_KERNEL_LOOP(r, n) {
    const int64_t label = static_cast<int64_t>(labels[r]);
    if (label < 0 || label >= c) {
      record_error(errors, site, r, label);
      continue;
    }
    const T* xr = x + r * c;
    const T mine = xr[label];
    if (mine != mine) continue;  // NaN
    int64_t above = 0;  // ties and NaN count against the label
    for (int64_t j = 0; j < c; ++j)
      if (j != label && (xr[j] >= mine || xr[j] != xr[j])) ++above;
    if (above < k) atomicAdd(correct, 1ull);
  }
}

}  // namespace

void CudaBackend::accumulate_loss(const Tensor& loss, Tensor& sums, double weight, int64_t step) {
  JDNN_CUDA_OP("accumulate_loss");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(loss.dtype, "accumulate_loss", [&](auto zero) {
    using T = decltype(zero);
    launch(accumulate_loss_kernel<T>, 1, 1, s, loss.data<T>(), sums.data<double>(), weight, step);
  });
}

void CudaBackend::count_correct(const Tensor& scores, const Tensor& labels, int64_t k, Tensor& correct) {
  JDNN_CUDA_OP("count_correct");
  Context& ctx = jdnn_op.ctx;
  const int64_t n = scores.dim(0), c = scores.dim(1);
  if (n == 0) return;
  // A bad label is recorded on the device and raised at the next synchronizing call.
  const ErrorSite site = ctx.errors.site(ctx.stream, DeviceCheck::COUNT_CORRECT_LABEL, c);
  // int64 and unsigned long long share their representation; counts are never negative.
  auto* count = reinterpret_cast<unsigned long long*>(correct.data<int64_t>());
  with_float(scores.dtype, "count_correct", [&](auto zero) {
    using T = decltype(zero);
    if (labels.dtype == DType::INT32)
      launch_n(count_correct_kernel<T, int32_t>, n, ctx.stream, scores.data<T>(), labels.data<int32_t>(), n, c, k,
               count, ctx.errors.record(), site);
    else
      launch_n(count_correct_kernel<T, int64_t>, n, ctx.stream, scores.data<T>(), labels.data<int64_t>(), n, c, k,
               count, ctx.errors.record(), site);
  });
}

}  // namespace jdnn::cuda
