#include <cmath>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/philox.h"

namespace jdnn::cpu {

void CpuBackend::random_uniform(Tensor& t, double low, double high, uint64_t seed, uint64_t offset) {
  with_float_type(t.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* p = t.data<T>();
    parallel_for(t.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const double u = kernels::philox_uniform(kernels::philox4x32_10(offset + i, seed));
        T v = static_cast<T>(low + (high - low) * u);
        if (v >= static_cast<T>(high)) v = std::nextafter(static_cast<T>(high), static_cast<T>(low));
        p[i] = v;  // rounding to float must not reach `high`: the interval is [low, high)
      }
    });
  });
}

void CpuBackend::random_normal(Tensor& t, double mean, double std, uint64_t seed, uint64_t offset) {
  with_float_type(t.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* p = t.data<T>();
    parallel_for(t.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        p[i] = static_cast<T>(mean + std * kernels::philox_normal(kernels::philox4x32_10(offset + i, seed)));
    });
  });
}

}  // namespace jdnn::cpu
