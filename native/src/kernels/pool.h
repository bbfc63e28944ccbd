// Pooling window geometry, the max-pool selection rule and the average divisor,
// shared by the CPU loops (cpu/pool.cpp) and the CUDA kernels (cuda/pool.cu).
#pragma once
#include <cstdint>

#include "kernels/common.h"

namespace jdnn::kernels {

// Clipped window [lo, hi) of output position o along a dimension of length size.
JDNN_HD void pool_window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size, int64_t& lo,
                         int64_t& hi) {
  const int64_t start = o * stride - pad;
  lo = start > 0 ? start : 0;
  hi = start + k < size ? start + k : size;
}

// Outputs [lo, hi) along a dimension whose window contains input position i.
JDNN_HD void pool_covering(int64_t i, int64_t stride, int64_t pad, int64_t k, int64_t out, int64_t& lo,
                           int64_t& hi) {
  const int64_t first = i + pad - k + 1;  // smallest o * stride that still reaches i
  lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  hi = (i + pad) / stride + 1;
  if (hi > out) hi = out;
  if (lo > hi) lo = hi;
}

// Takes (v, at) when v is larger or a NaN: first maximum wins, NaN propagates.
template <class T, class I>
JDNN_HD void take_max(T v, I at, T& best, I& arg) {
  const bool take = (v > best) | (v != v);
  best = take ? v : best;
  arg = take ? at : arg;
}

// Divisor of an average-pool window clipped to [h0, h1) x [w0, w1).
JDNN_HD int64_t avg_pool_count(bool include_pad, int64_t kh, int64_t kw, int64_t h0, int64_t h1, int64_t w0,
                               int64_t w1) {
  const int64_t inside = (h1 - h0) * (w1 - w0);
  return include_pad ? kh * kw : (inside > 1 ? inside : 1);
}

}  // namespace jdnn::kernels
