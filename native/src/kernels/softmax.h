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

// The score an additive attention mask gives a masked key, and the bound at or below which a mask
// entry masks its key (org.jdnn.nn.Attention.MASKED): finite, so a mask of it stays out of inf - inf.
constexpr double kMaskedScore = -1e30;

// One row of attention weights (op_masked_softmax): y_j = softmax_j(x_j * scale + m_j) over the keys
// j < c that are not masked, y_j = 0 for the masked ones. Key j is masked when j > last_key (causal
// masking; last_key >= c - 1 masks none) or when the mask m (nullptr: none, read at j * m_stride, 0
// for a mask broadcast along the row) is <= kMaskedScore. A row with no key left is all zeros. The
// scores are formed, compared and exponentiated in double, the sum accumulated in double, and each
// weight rounded to T once. NaN in a kept score (a NaN mask entry keeps its key) makes the whole row
// NaN, masked keys included, as softmax over -inf-masked scores gives in PyTorch.
template <class T>
JDNN_HD void masked_softmax_row(const T* x, const T* m, int64_t m_stride, T* y, int64_t c, double scale,
                                int64_t last_key) {
  const int64_t keys = last_key < c - 1 ? last_key + 1 : c;  // keys past the causal limit stay masked
  auto kept = [&](int64_t j) { return m == nullptr || !(static_cast<double>(m[j * m_stride]) <= kMaskedScore); };
  auto score = [&](int64_t j) {
    return static_cast<double>(x[j]) * scale + (m == nullptr ? 0.0 : static_cast<double>(m[j * m_stride]));
  };
  bool any = false;
  double mx = 0;
  for (int64_t j = 0; j < keys; ++j) {
    if (!kept(j)) continue;
    const double z = score(j);
    if (!any || z > mx || z != z) mx = z;  // NaN becomes the maximum, so it reaches every weight
    any = true;
  }
  double sum = 0;
  for (int64_t j = 0; j < keys; ++j) {
    if (kept(j)) sum += device_math::exp(score(j) - mx);
  }
  const double inv = any ? 1.0 / sum : 0.0;
  for (int64_t j = 0; j < c; ++j) {
    // 0 * inv: a masked key weighs 0, or NaN with the rest of a row that met NaN (as softmax gives)
    y[j] = static_cast<T>(j < keys && kept(j) ? device_math::exp(score(j) - mx) * inv : 0.0 * inv);
  }
}

}  // namespace jdnn::kernels
