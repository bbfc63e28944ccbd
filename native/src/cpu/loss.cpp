// Fused softmax cross-entropy and the per-element losses on the CPU backend (CUDA twin:
// cuda/loss.cu).
#include <cmath>

#include "cpu/cpu_backend.h"
#include "cpu/softmax.h"
#include "kernels/point_loss.h"

namespace jdnn::cpu {

namespace {

int64_t label_at(const Tensor& labels, int64_t i) {
  return labels.dtype == DType::INT32 ? labels.data<int32_t>()[i] : labels.data<int64_t>()[i];
}

}  // namespace

void CpuBackend::cross_entropy(const Tensor& logits, const Tensor& labels, Tensor& loss, Tensor& probs) {
  with_float_type(logits.dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t n = logits.dim(0), c = logits.dim(1);
    const T* x = logits.data<T>();
    T* p = probs.data<T>();
    softmax_rows<T>(x, p, n, c, false);
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = label_at(labels, i);
      if (k < 0 || k >= c) fail_label("cross_entropy", k, i, c);
      // -log softmax computed from the logits (not from p) so a probability that
      // underflowed to 0 still gives the exact, finite loss.
      const T* xr = x + i * c;
      T mx = xr[0];
      for (int64_t j = 1; j < c; ++j) mx = xr[j] > mx ? xr[j] : mx;
      double sum = 0;
      for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(xr[j] - mx));
      total += std::log(sum) - static_cast<double>(xr[k] - mx);
    }
    loss.data<T>()[0] = static_cast<T>(total / static_cast<double>(n));  // an empty batch: 0 / 0 = NaN, as PyTorch
  });
}

void CpuBackend::cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor* dloss,
                                        Tensor& dlogits) {
  with_float_type(probs.dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t n = probs.dim(0), c = probs.dim(1);
    const T scale = (dloss != nullptr ? dloss->data<T>()[0] : T(1)) / static_cast<T>(n);  // no dloss: 1
    const T* p = probs.data<T>();
    T* d = dlogits.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = label_at(labels, i);
      if (k < 0 || k >= c) fail_label("cross_entropy_backward", k, i, c);
      for (int64_t j = 0; j < c; ++j) d[i * c + j] = scale * (p[i * c + j] - (j == k ? T(1) : T(0)));
    }
  });
}

// The domain test rides along the loss loop (branch-free); only a failure scans again for its index.
int64_t CpuBackend::point_loss(PointLoss op, const Tensor& x, const Tensor& t, Tensor& out) {
  int64_t first_bad = -1;
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *xs = x.data<T>(), *ts = t.data<T>();
    T* os = out.data<T>();
    kernels::with_point_loss(op, [&](auto f) {
      bool all_in_domain = true;
      for (int64_t i = 0; i < x.numel; ++i) {
        all_in_domain &= f.in_domain(xs[i], ts[i]);
        os[i] = f.fwd(xs[i], ts[i]);
      }
      for (int64_t i = 0; !all_in_domain && first_bad < 0; ++i)
        if (!f.in_domain(xs[i], ts[i])) first_bad = i;
    });
  });
  return first_bad;
}

void CpuBackend::point_loss_backward(PointLoss op, const Tensor& x, const Tensor& t, const Tensor& dy, Tensor& dx) {
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *xs = x.data<T>(), *ts = t.data<T>(), *dys = dy.data<T>();
    T* dxs = dx.data<T>();
    kernels::with_point_loss(op, [&](auto f) {
      for (int64_t i = 0; i < x.numel; ++i) dxs[i] = f.bwd(xs[i], ts[i], dys[i]);
    });
  });
}

}  // namespace jdnn::cpu
