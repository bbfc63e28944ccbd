// Softmax and log-softmax along the last dimension on the CPU backend (CUDA twin: cuda/softmax.cu).
#include <algorithm>
#include <cmath>

#include "cpu/cpu_backend.h"
#include "cpu/softmax.h"
#include "kernels/strided.h"

namespace jdnn::cpu {

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

// Rows of x's last dim; each reads its mask row at the broadcast offset (kernels/strided.h), and
// with causal masking row r is query r % L.
void CpuBackend::masked_softmax(const Tensor& x, const Tensor* mask, Tensor& y, double scale, bool causal) {
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    if (x.numel == 0) return;
    const int64_t c = x.dim(-1), rows = x.numel / c, l = causal ? x.dim(-2) : 1;
    const kernels::RowBroadcast mb =
        mask != nullptr ? kernels::row_broadcast(mask->shape.data(), mask->ndim(), x.shape.data(), x.ndim())
                        : kernels::RowBroadcast{};
    const T* xs = x.data<T>();
    const T* ms = mask != nullptr ? mask->data<T>() : nullptr;
    T* ys = y.data<T>();
    parallel_for(rows, std::max<int64_t>(1, 8192 / c), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* mr = ms != nullptr ? ms + kernels::strided_offset(mb.rows, r) : nullptr;
        kernels::masked_softmax_row(xs + r * c, mr, mb.stride, ys + r * c, c, scale, causal ? r % l : c);
      }
    });
  });
}

}  // namespace jdnn::cpu
