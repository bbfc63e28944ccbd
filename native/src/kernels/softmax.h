// One row's log-softmax, written once for the CPU backend (cpu/softmax.h) and the CUDA kernel
// (cuda/softmax.cu), so both take the same steps in the same order: the row maximum in T, the
// sum of exp in double, then y = (x - max) - log(sum) rounded to T. That order is exact to an
// ulp of the result for huge logits, where x - (max + log sum) rounds at the logits' magnitude.
#pragma once
#include <cstdint>

#include "kernels/common.h"

namespace jdnn::kernels {

template <class T>
JDNN_HD void log_softmax_row(const T* x, T* y, int64_t c) {
  T mx = x[0];
  for (int64_t j = 1; j < c; ++j) mx = x[j] > mx ? x[j] : mx;
  double sum = 0;
  for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(x[j] - mx));
  const T lse = static_cast<T>(std::log(sum));
  for (int64_t j = 0; j < c; ++j) y[j] = x[j] - mx - lse;
}

}  // namespace jdnn::kernels
