// Facade: optimizer steps, in place on parameter and state.
#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

namespace {
void check_state(const char* op, const Tensor& p, const Tensor& s, const char* what) {
  require_float(op, p, "parameter");
  JDNN_CHECK(p.dtype == s.dtype && p.device == s.device && p.numel == s.numel, op, ": ", what, " ",
             s.describe(), " does not match parameter ", p.describe());
}

// State that `used` says the update needs: a checked tensor, else null (and the handle must be 0).
Tensor* optional_state(const char* op, const Tensor& p, int64_t h, bool used, const char* what) {
  if (!used) {
    JDNN_CHECK(h == 0, op, ": ", what, " given but this configuration keeps none");
    return nullptr;
  }
  JDNN_CHECK(h != 0, op, ": ", what, " is required by this configuration");
  Tensor& s = tensor_ref(h);
  check_state(op, p, s, what);
  return &s;
}

void check_step(const char* op, int64_t step) { JDNN_CHECK(step >= 1, op, ": step must be >= 1, got ", step); }

void adam_family(const char* op, bool decoupled, int64_t param, int64_t grad, int64_t m, int64_t v,
                 int64_t v_max, double lr, double beta1, double beta2, double eps, double weight_decay,
                 bool amsgrad, int64_t step) {
  Tensor &p = tensor_ref(param), &ms = tensor_ref(m), &vs = tensor_ref(v);
  const Tensor& g = tensor_ref(grad);
  check_state(op, p, g, "gradient");
  check_state(op, p, ms, "first moment");
  check_state(op, p, vs, "second moment");
  Tensor* mx = optional_state(op, p, v_max, amsgrad, "AMSGrad maximum");
  check_step(op, step);
  backend_of(p).adam(p, g, ms, vs, mx, lr, beta1, beta2, eps, weight_decay, step, decoupled);
}
}  // namespace

int optim_sgd(int64_t param, int64_t grad, int64_t buf, double lr, double momentum, double dampening,
               double weight_decay, bool nesterov, bool first) noexcept {
  return status_of([&] {
    Tensor& p = tensor_ref(param);
    const Tensor& g = tensor_ref(grad);
    check_state("sgd", p, g, "gradient");
    Tensor* b = optional_state("sgd", p, buf, momentum != 0, "momentum buffer");
    backend_of(p).sgd(p, g, b, lr, momentum, dampening, weight_decay, nesterov, first);
  });
}

int optim_adagrad(int64_t param, int64_t grad, int64_t sum, double lr, double lr_decay, double eps,
                   double weight_decay, int64_t step) noexcept {
  return status_of([&] {
    Tensor &p = tensor_ref(param), &s = tensor_ref(sum);
    const Tensor& g = tensor_ref(grad);
    check_state("adagrad", p, g, "gradient");
    check_state("adagrad", p, s, "sum of squares");
    check_step("adagrad", step);
    backend_of(p).adagrad(p, g, s, lr, lr_decay, eps, weight_decay, step);
  });
}

int optim_rmsprop(int64_t param, int64_t grad, int64_t square_avg, int64_t grad_avg, int64_t buf,
                   double lr, double alpha, double eps, double weight_decay, double momentum,
                   bool centered) noexcept {
  return status_of([&] {
    Tensor &p = tensor_ref(param), &sq = tensor_ref(square_avg);
    const Tensor& g = tensor_ref(grad);
    check_state("rmsprop", p, g, "gradient");
    check_state("rmsprop", p, sq, "square average");
    Tensor* ga = optional_state("rmsprop", p, grad_avg, centered, "gradient average");
    Tensor* b = optional_state("rmsprop", p, buf, momentum > 0, "momentum buffer");
    backend_of(p).rmsprop(p, g, sq, ga, b, lr, alpha, eps, weight_decay, momentum);
  });
}

int optim_adam(int64_t param, int64_t grad, int64_t m, int64_t v, int64_t v_max, double lr,
                double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                int64_t step) noexcept {
  return status_of([&] {
    adam_family("adam", false, param, grad, m, v, v_max, lr, beta1, beta2, eps, weight_decay, amsgrad,
                step);
  });
}

int optim_adamw(int64_t param, int64_t grad, int64_t m, int64_t v, int64_t v_max, double lr,
                 double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                 int64_t step) noexcept {
  return status_of([&] {
    adam_family("adamw", true, param, grad, m, v, v_max, lr, beta1, beta2, eps, weight_decay, amsgrad,
                step);
  });
}

int optim_clip_value(int64_t grad, double limit) noexcept {
  return status_of([&] {
    Tensor& g = tensor_ref(grad);
    require_float("clip_value", g, "gradient");
    JDNN_CHECK(limit >= 0, "clip_value: limit must be >= 0, got ", limit);
    backend_of(g).clip_value(g, limit);
  });
}

}  // namespace jdnn
