// Inverted dropout on the CPU: a Philox mask (same stream as every other backend), then a
// multiply that broadcasts one mask value over a block of consecutive elements (1 element for
// Dropout, an (n, c) plane for Dropout2d). The multiply is also the backward.
#include <algorithm>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/philox.h"

namespace jdnn::cpu {

void CpuBackend::dropout_mask(Tensor& mask, double p, uint64_t seed, uint64_t offset) {
  with_float_type(mask.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* ms = mask.data<T>();
    const T keep = static_cast<T>(1.0 / (1.0 - p));
    parallel_for(mask.numel, kElementwiseGrain / 8, [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j)
        ms[j] = kernels::philox_uniform(kernels::philox4x32_10(offset + j, seed)) >= p ? keep : T(0);
    });
  });
}

void CpuBackend::dropout_apply(const Tensor& x, const Tensor& mask, Tensor& y) {
  if (x.numel == 0) return;
  const int64_t block = x.numel / mask.numel;
  with_float_type(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *xs = x.data<T>(), *ms = mask.data<T>();
    T* ys = y.data<T>();
    parallel_for(mask.numel, std::max<int64_t>(1, kElementwiseGrain / block), [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j) {
        const T m = ms[j];
        const T* xr = xs + j * block;
        T* yr = ys + j * block;
        for (int64_t i = 0; i < block; ++i) yr[i] = xr[i] * m;
      }
    });
  });
}

}  // namespace jdnn::cpu
