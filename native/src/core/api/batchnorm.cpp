// Facade: batch normalization.
#include <vector>

#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

int op_batch_norm(int64_t x, int64_t gamma, int64_t beta, int64_t running_mean, int64_t running_var,
                   int64_t y, int64_t save_mean, int64_t save_invstd, bool training, double momentum,
                   double eps) noexcept {
  return status_of([&] {
    const char* op = "batch_norm";
    const Tensor& xs = tensor_ref(x);
    Tensor &ys = tensor_ref(y), &sm = tensor_ref(save_mean), &si = tensor_ref(save_invstd);
    const Tensor* gs = optional_ref(gamma);
    const Tensor* bs = optional_ref(beta);
    Tensor* rm = optional_ref(running_mean);
    Tensor* rv = optional_ref(running_var);
    require_float(op, xs, "input");
    JDNN_CHECK(xs.ndim() >= 2, op, ": input must be (N, C, ...), got ", xs.describe());
    const int64_t c = xs.dim(1);
    JDNN_CHECK((rm == nullptr) == (rv == nullptr), op, ": running mean and variance must both be given or both be absent");
    JDNN_CHECK(training || rm != nullptr, op, ": eval mode needs running statistics");
    JDNN_CHECK(eps >= 0, op, ": eps must be >= 0, got ", eps);
    if (training) {
      JDNN_CHECK(c == 0 || xs.numel / c > 1, op, ": expected more than 1 value per channel when training, got input ",
                 xs.describe());
    }
    require_like_dims(op, xs, &ys, "output", xs.shape);
    const std::vector<int64_t> cdims{c};
    for (const Tensor* t : {&sm, &si, rm, rv}) require_like_dims(op, xs, t, "per-channel tensor", cdims);
    for (const Tensor* t : {gs, bs}) require_like_dims(op, xs, t, "per-channel parameter", cdims);
    backend_of(xs).batch_norm(xs, gs, bs, rm, rv, ys, sm, si, training, momentum, eps);
  });
}

int op_batch_norm_backward(int64_t x, int64_t dy, int64_t gamma, int64_t save_mean, int64_t save_invstd,
                            int64_t dx, int64_t dgamma, int64_t dbeta, bool training, double eps) noexcept {
  return status_of([&] {
    const char* op = "batch_norm_backward";
    const Tensor &xs = tensor_ref(x), &dys = tensor_ref(dy), &sm = tensor_ref(save_mean),
                 &si = tensor_ref(save_invstd);
    const Tensor* gs = optional_ref(gamma);
    Tensor* dxs = optional_ref(dx);
    Tensor* dgs = optional_ref(dgamma);
    Tensor* dbs = optional_ref(dbeta);
    require_float(op, xs, "input");
    JDNN_CHECK(xs.ndim() >= 2, op, ": input must be (N, C, ...), got ", xs.describe());
    const std::vector<int64_t> cdims{xs.dim(1)};
    require_like_dims(op, xs, &dys, "output gradient", xs.shape);
    require_like_dims(op, xs, dxs, "input gradient", xs.shape);
    for (const Tensor* t : {gs, &sm, &si, static_cast<const Tensor*>(dgs), static_cast<const Tensor*>(dbs)}) {
      require_like_dims(op, xs, t, "per-channel tensor", cdims);
    }
    JDNN_CHECK(eps >= 0, op, ": eps must be >= 0, got ", eps);
    backend_of(xs).batch_norm_backward(xs, dys, gs, sm, si, dxs, dgs, dbs, training, eps);
  });
}

}  // namespace jdnn
