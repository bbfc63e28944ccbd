#include <cmath>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/point_loss.h"

namespace jdnn::cpu {

namespace {

// Row-wise (log-)softmax with the max subtracted, so logits of 1e4 stay finite.
template <class T>
void softmax_rows(const T* x, T* y, int64_t rows, int64_t c, bool log) {
  parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(c, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * c;
      T* yr = y + r * c;
      T mx = xr[0];
      for (int64_t j = 1; j < c; ++j) mx = xr[j] > mx ? xr[j] : mx;
      double sum = 0;
      for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(xr[j] - mx));
      if (log) {
        const T lse = static_cast<T>(std::log(sum));
        for (int64_t j = 0; j < c; ++j) yr[j] = xr[j] - mx - lse;
      } else {
        const double inv = 1.0 / sum;
        for (int64_t j = 0; j < c; ++j) yr[j] = static_cast<T>(std::exp(static_cast<double>(xr[j] - mx)) * inv);
      }
    }
  });
}

int64_t label_at(const Tensor& labels, int64_t i) {
  return labels.dtype == DType::INT32 ? labels.data<int32_t>()[i] : labels.data<int64_t>()[i];
}

}  // namespace

void CpuBackend::softmax(const Tensor& x, Tensor& y, bool log) {
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t c = x.dim(-1);
    if (x.numel == 0) return;
    softmax_rows<T>(x.data<T>(), y.data<T>(), x.numel / c, c, log);
  });
}

// softmax: dx = y (dy - sum(dy y));  log-softmax: dx = dy - exp(y) sum(dy).
void CpuBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) {
  with_float_type(y.dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t c = y.dim(-1);
    if (y.numel == 0) return;
    const int64_t rows = y.numel / c;
    const T *ys = y.data<T>(), *dys = dy.data<T>();
    T* dxs = dx.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      const T *yr = ys + r * c, *dr = dys + r * c;
      T* xr = dxs + r * c;
      double s = 0;
      if (log) {
        for (int64_t j = 0; j < c; ++j) s += dr[j];
        for (int64_t j = 0; j < c; ++j) xr[j] = static_cast<T>(dr[j] - std::exp(static_cast<double>(yr[j])) * s);
      } else {
        for (int64_t j = 0; j < c; ++j) s += static_cast<double>(dr[j]) * yr[j];
        for (int64_t j = 0; j < c; ++j) xr[j] = static_cast<T>(yr[j] * (dr[j] - s));
      }
    }
  });
}

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
      JDNN_CHECK(k >= 0 && k < c, "cross_entropy: label ", k, " at row ", i, " is outside [0, ", c, ")");
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

void CpuBackend::cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss,
                                        Tensor& dlogits) {
  with_float_type(probs.dtype, [&](auto zero) {
    using T = decltype(zero);
    const int64_t n = probs.dim(0), c = probs.dim(1);
    const T scale = dloss.data<T>()[0] / static_cast<T>(n);
    const T* p = probs.data<T>();
    T* d = dlogits.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = label_at(labels, i);
      JDNN_CHECK(k >= 0 && k < c, "cross_entropy_backward: label ", k, " outside [0, ", c, ")");
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
