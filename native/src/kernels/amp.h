// Loss scaling for float16 training, torch.amp.GradScaler's two device steps, shared by every
// backend: unscaling a gradient while looking for inf/NaN, and the scale's update after a step.
// The scale is a float32 scalar, the growth tracker an int32 scalar and the flag a float32 scalar
// (1 when any gradient was not finite), as in PyTorch, so saved values mean the same there.
#pragma once
#include <cstdint>

#include "kernels/common.h"

namespace jdnn::kernels {

// PyTorch's inverse scale: the reciprocal in float64, rounded to float32 once.
JDNN_HD float inverse_scale(float scale) { return static_cast<float>(1.0 / static_cast<double>(scale)); }

// A scaled gradient element, unscaled; sets `found` when it was inf or NaN (the product is taken
// in the gradient's type: float32 for float32, float64 for float64).
template <class T>
JDNN_HD T unscale(T g, float inv_scale, bool& found) {
  if (!(g - g == T(0))) found = true;  // inf - inf and NaN - NaN are NaN; finite - itself is 0
  return g * static_cast<T>(inv_scale);
}

// After a step: an overflow multiplies the scale by `backoff` and restarts the count of good steps
// (and counts a skipped step); `interval` good steps in a row multiply it by `growth`, unless that
// would overflow float32. The products are taken in float64 and rounded to float32, as PyTorch's.
JDNN_HD void update_scale(float& scale, int32_t& tracker, int64_t& skipped, float found_inf, double growth,
                          double backoff, int64_t interval) {
  if (found_inf != 0) {
    scale = static_cast<float>(static_cast<double>(scale) * backoff);
    tracker = 0;
    ++skipped;
    return;
  }
  const int64_t successful = static_cast<int64_t>(tracker) + 1;
  if (successful == interval) {
    const float grown = static_cast<float>(static_cast<double>(scale) * growth);
    if (grown - grown == 0.0f) scale = grown;
    tracker = 0;
  } else {
    tracker = static_cast<int32_t>(successful);
  }
}

}  // namespace jdnn::kernels
