// Facade: dropout masks and their application.
#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

int op_dropout_mask(int64_t mask, double p, uint64_t seed, uint64_t offset) noexcept {
  return status_of([&] {
    Tensor& m = tensor_ref(mask);
    require_float("dropout_mask", m, "mask");
    JDNN_CHECK(p >= 0 && p < 1, "dropout_mask: p must be in [0, 1), got ", p);
    backend_of(m).dropout_mask(m, p, seed, offset);
  });
}

int op_dropout_apply(int64_t x, int64_t mask, int64_t y) noexcept {
  return status_of([&] {
    const Tensor &xs = tensor_ref(x), &ms = tensor_ref(mask);
    Tensor& ys = tensor_ref(y);
    require_float("dropout_apply", xs, "input");
    require_like("dropout_apply", xs, ms);
    require_like_sized("dropout_apply", xs, ys);
    JDNN_CHECK(ms.numel > 0 ? xs.numel % ms.numel == 0 : xs.numel == 0, "dropout_apply: mask ", ms.describe(),
               " does not tile input ", xs.describe());
    backend_of(xs).dropout_apply(xs, ms, ys);
  });
}

}  // namespace jdnn
