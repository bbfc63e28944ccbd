// Batch normalization on the CPU over channel dim 1 of x (N, C, S...), S the product of the
// spatial dims. Channels are independent, so the work is split over channels; a channel's values
// are N runs of S contiguous elements. Statistics accumulate in double (cpu/sums.h).
#include <algorithm>
#include <cmath>

#include "cpu/cpu_backend.h"
#include "cpu/sums.h"
#include "cpu/thread_pool.h"

namespace jdnn::cpu {
namespace {

struct BnShape {
  int64_t n, c, s;
};

BnShape bn_shape(const Tensor& x) {
  const int64_t n = x.dim(0), c = x.dim(1);
  return BnShape{n, c, n * c == 0 ? 0 : x.numel / (n * c)};
}

int64_t channel_grain(const BnShape& s) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, s.n * s.s));
}

}  // namespace

void CpuBackend::batch_norm(const Tensor& x, const Tensor* gamma, const Tensor* beta, Tensor* running_mean,
                            Tensor* running_var, Tensor& y, Tensor& save_mean, Tensor& save_invstd,
                            bool training, double momentum, double eps) {
  const BnShape s = bn_shape(x);
  const int64_t m = s.n * s.s;
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* xs = x.data<T>();
    const T* gs = gamma != nullptr ? gamma->data<T>() : nullptr;
    const T* bs = beta != nullptr ? beta->data<T>() : nullptr;
    T* rm = running_mean != nullptr ? running_mean->data<T>() : nullptr;
    T* rv = running_var != nullptr ? running_var->data<T>() : nullptr;
    T *ys = y.data<T>(), *sm = save_mean.data<T>(), *si = save_invstd.data<T>();
    parallel_for(s.c, channel_grain(s), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double mean, var;
        if (training) {
          // One pass over sums shifted by the channel's first value: no cancellation unless the
          // spread is many orders of magnitude above the distance to that value.
          const double shift = m > 0 ? static_cast<double>(xs[c * s.s]) : 0.0;
          double s1 = 0, s2 = 0;
          for (int64_t n = 0; n < s.n; ++n) row_shifted_moments(xs + (n * s.c + c) * s.s, s.s, shift, s1, s2);
          const double mm = static_cast<double>(std::max<int64_t>(m, 1));
          mean = shift + s1 / mm;
          const double sq = std::max(0.0, s2 - s1 * s1 / mm);  // sum of squared deviations
          var = m > 0 ? sq / static_cast<double>(m) : 0.0;  // biased: what normalizes the batch
          if (rm != nullptr) {
            const double unbiased = m > 1 ? sq / static_cast<double>(m - 1) : var;
            rm[c] = static_cast<T>((1 - momentum) * static_cast<double>(rm[c]) + momentum * mean);
            rv[c] = static_cast<T>((1 - momentum) * static_cast<double>(rv[c]) + momentum * unbiased);
          }
        } else {
          mean = rm[c];
          var = rv[c];
        }
        const double invstd = 1.0 / std::sqrt(var + eps);
        sm[c] = static_cast<T>(mean);
        si[c] = static_cast<T>(invstd);
        const double scale = (gs != nullptr ? static_cast<double>(gs[c]) : 1.0) * invstd;
        const T a = static_cast<T>(scale), mu = static_cast<T>(mean);
        const T b = bs != nullptr ? bs[c] : T(0);
        for (int64_t n = 0; n < s.n; ++n) {
          const T* row = xs + (n * s.c + c) * s.s;
          T* out = ys + (n * s.c + c) * s.s;
          for (int64_t i = 0; i < s.s; ++i) out[i] = (row[i] - mu) * a + b;
        }
      }
    });
  });
}

// xhat = (x - mean) invstd. dbeta = sum dy, dgamma = sum dy xhat.
// training: dx = gamma invstd (dy - dbeta / m - xhat dgamma / m)   (through the batch statistics)
// eval:     dx = gamma invstd dy
// eps is not needed: save_invstd already holds the forward's 1 / sqrt(var + eps).
void CpuBackend::batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma,
                                     const Tensor& save_mean, const Tensor& save_invstd, Tensor* dx,
                                     Tensor* dgamma, Tensor* dbeta, bool training, double /*eps*/) {
  const BnShape s = bn_shape(x);
  const int64_t m = s.n * s.s;
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *xs = x.data<T>(), *dys = dy.data<T>(), *sm = save_mean.data<T>(), *si = save_invstd.data<T>();
    const T* gs = gamma != nullptr ? gamma->data<T>() : nullptr;
    T* dxs = dx != nullptr ? dx->data<T>() : nullptr;
    T* dgs = dgamma != nullptr ? dgamma->data<T>() : nullptr;
    T* dbs = dbeta != nullptr ? dbeta->data<T>() : nullptr;
    parallel_for(s.c, channel_grain(s), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const double mean = sm[c], invstd = si[c];
        const bool need_sums = dgs != nullptr || dbs != nullptr || (training && dxs != nullptr);
        double sum_dy = 0, sum_dy_xhat = 0;
        if (need_sums) {
          for (int64_t n = 0; n < s.n; ++n) {
            const int64_t row = (n * s.c + c) * s.s;
            row_grad_moments(dys + row, xs + row, s.s, mean, sum_dy, sum_dy_xhat);
          }
          sum_dy_xhat *= invstd;
        }
        if (dbs != nullptr) dbs[c] = static_cast<T>(sum_dy);
        if (dgs != nullptr) dgs[c] = static_cast<T>(sum_dy_xhat);
        if (dxs == nullptr) continue;
        const double k = (gs != nullptr ? static_cast<double>(gs[c]) : 1.0) * invstd;
        if (training) {
          // dx = k dy - k mean(dy) - (k invstd mean(dy xhat)) (x - mean)
          const double mdy = m > 0 ? sum_dy / static_cast<double>(m) : 0.0;
          const double mdyx = m > 0 ? sum_dy_xhat / static_cast<double>(m) : 0.0;
          const T a = static_cast<T>(k), b = static_cast<T>(-k * mdy), cx = static_cast<T>(-k * invstd * mdyx),
                  mu = static_cast<T>(mean);
          for (int64_t n = 0; n < s.n; ++n) {
            const T* xr = xs + (n * s.c + c) * s.s;
            const T* dr = dys + (n * s.c + c) * s.s;
            T* out = dxs + (n * s.c + c) * s.s;
            for (int64_t i = 0; i < s.s; ++i) out[i] = a * dr[i] + cx * (xr[i] - mu) + b;
          }
        } else {
          const T a = static_cast<T>(k);
          for (int64_t n = 0; n < s.n; ++n) {
            const T* dr = dys + (n * s.c + c) * s.s;
            T* out = dxs + (n * s.c + c) * s.s;
            for (int64_t i = 0; i < s.s; ++i) out[i] = a * dr[i];
          }
        }
      }
    });
  });
}

}  // namespace jdnn::cpu
