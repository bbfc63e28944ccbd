// Row-wise softmax shared by softmax (cpu/softmax.cpp) and the fused cross-entropy (cpu/loss.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/thread_pool.h"
#include "kernels/softmax.h"

namespace jdnn::cpu {

// Row-wise (log-)softmax with the max subtracted, so logits of 1e4 stay finite.
template <class T>
inline void softmax_rows(const T* x, T* y, int64_t rows, int64_t c, bool log) {
  parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(c, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * c;
      T* yr = y + r * c;
      if (log) {
        kernels::log_softmax_row(xr, yr, c);  // shared with the CUDA kernel
        continue;
      }
      T mx = xr[0];
      for (int64_t j = 1; j < c; ++j) mx = xr[j] > mx ? xr[j] : mx;
      double sum = 0;
      for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(xr[j] - mx));
      const double inv = 1.0 / sum;
      for (int64_t j = 0; j < c; ++j) yr[j] = static_cast<T>(std::exp(static_cast<double>(xr[j] - mx)) * inv);
    }
  });
}

}  // namespace jdnn::cpu
