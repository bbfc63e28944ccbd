// Facade: optimizer steps, in place on parameter and state.
#include <cstdint>
#include <initializer_list>
#include <tuple>
#include <unordered_set>

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

// Adam and AdamW: the same checks and backend entry, AdamW with decoupled weight decay.
int adam_family(const char* op, bool decoupled, int64_t param, int64_t grad, int64_t m, int64_t v,
                int64_t v_max, double lr, double beta1, double beta2, double eps, double weight_decay,
                bool amsgrad, int64_t step) noexcept {
  return status_of([&] {
    Tensor &p = tensor_ref(param), &ms = tensor_ref(m), &vs = tensor_ref(v);
    const Tensor& g = tensor_ref(grad);
    check_state(op, p, g, "gradient");
    check_state(op, p, ms, "first moment");
    check_state(op, p, vs, "second moment");
    Tensor* mx = optional_state(op, p, v_max, amsgrad, "AMSGrad maximum");
    check_step(op, step);
    backend_of(p).adam(p, g, ms, vs, mx, lr, beta1, beta2, eps, weight_decay, step, decoupled);
  });
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
  return adam_family("adam", false, param, grad, m, v, v_max, lr, beta1, beta2, eps, weight_decay, amsgrad, step);
}

int optim_adamw(int64_t param, int64_t grad, int64_t m, int64_t v, int64_t v_max, double lr,
                 double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                 int64_t step) noexcept {
  return adam_family("adamw", true, param, grad, m, v, v_max, lr, beta1, beta2, eps, weight_decay, amsgrad, step);
}

namespace {
// A group's parameters (or gradients, for clipping): count >= 1 distinct tensors on one device and,
// with `one_dtype`, of one float dtype (Java splits a mixed group by dtype and device).
std::vector<Tensor*> group_members(const char* op, const int64_t* handles, int64_t count, bool one_dtype,
                                   const char* what) {
  JDNN_CHECK(count >= 1 && handles != nullptr, op, ": a group needs at least one ", what, ", got ", count);
  std::vector<Tensor*> out;
  std::unordered_set<const void*> seen;
  for (int64_t k = 0; k < count; ++k) {
    Tensor& t = tensor_ref(handles[k]);
    require_float(op, t, what);
    const Tensor& first = out.empty() ? t : *out.front();
    JDNN_CHECK(t.device == first.device, op, ": ", what, " ", k, " ", t.describe(), " is not on the device of ",
               what, " 0, ", first.describe());
    JDNN_CHECK(!one_dtype || t.dtype == first.dtype, op, ": ", what, " ", k, " ", t.describe(),
               " differs in dtype from ", what, " 0, ", first.describe(), "; call once per dtype");
    JDNN_CHECK(t.numel == 0 || seen.insert(t.storage->data).second, op, ": ", what, " ", k, " ", t.describe(),
               " shares its memory with an earlier one; each may appear once");
    out.push_back(&t);
  }
  return out;
}

// Parameters, gradients and the state kinds `used` says the configuration keeps, each checked
// against its parameter like the per-tensor ops' state.
TensorGroup optimizer_group(const char* op, const int64_t* params, const int64_t* grads, int64_t count,
                            std::initializer_list<std::tuple<const int64_t*, bool, const char*>> states) {
  TensorGroup t;
  t.params = group_members(op, params, count, true, "parameter");
  JDNN_CHECK(grads != nullptr, op, ": no gradients given");
  for (int64_t k = 0; k < count; ++k) {
    const Tensor& g = tensor_ref(grads[k]);
    check_state(op, *t.params[k], g, "gradient");
    t.grads.push_back(&g);
  }
  int j = 0;
  for (const auto& [handles, used, what] : states) {
    JDNN_CHECK((handles != nullptr) == used, op, ": ", what, (used ? " is required by" : " given but"),
               " this configuration", (used ? "" : " keeps none"));
    for (int64_t k = 0; used && k < count; ++k) {
      Tensor& s = tensor_ref(handles[k]);
      check_state(op, *t.params[k], s, what);
      t.states[j].push_back(&s);
    }
    ++j;
  }
  return t;
}

std::vector<int64_t> per_parameter(const char* op, const int64_t* values, int64_t count, int64_t low,
                                   int64_t high, const char* what) {
  JDNN_CHECK(values != nullptr, op, ": no ", what, " given");
  for (int64_t k = 0; k < count; ++k)
    JDNN_CHECK(values[k] >= low && values[k] <= high, op, ": ", what, " of parameter ", k, " must be in [", low,
               ", ", high, "], got ", values[k]);
  return std::vector<int64_t>(values, values + count);
}

// Loss scaling's guard (core/tensor_group.h), from its handles: none when found_inf is 0.
void set_guard(const char* op, TensorGroup& t, int64_t found_inf, int64_t step_counts, const int64_t* slots) {
  if (found_inf == 0) {
    JDNN_CHECK(step_counts == 0 && slots == nullptr, op, ": step counts given without a found_inf flag");
    return;
  }
  const Tensor& device = *t.params[0];
  const Tensor& flag = tensor_ref(found_inf);
  JDNN_CHECK(flag.dtype == DType::FLOAT32 && flag.numel == 1 && flag.device == device.device, op,
             ": found_inf must be a float32 scalar on ", device_name(device.device), ", got ", flag.describe());
  JDNN_CHECK(step_counts != 0 && slots != nullptr, op, ": a guarded step needs the step counts and slots");
  Tensor& counts = tensor_ref(step_counts);
  JDNN_CHECK(counts.dtype == DType::INT64 && counts.device == device.device && counts.numel >= 1, op,
             ": step counts must be an int64 tensor on ", device_name(device.device), ", got ", counts.describe());
  std::unordered_set<int64_t> seen;
  for (size_t k = 0; k < t.size(); ++k) {
    JDNN_CHECK(slots[k] >= 0 && slots[k] < counts.numel && seen.insert(slots[k]).second, op, ": slot ", slots[k],
               " of parameter ", k, " is outside [0, ", counts.numel, ") or repeated");
  }
  t.found_inf = &flag;
  t.step_counts = &counts;
  t.slots.assign(slots, slots + t.size());
}

Tensor& float64_scalar_on(const char* op, int64_t h, const Tensor& like, const char* what) {
  Tensor& t = tensor_ref(h);
  JDNN_CHECK(t.dtype == DType::FLOAT64 && t.numel == 1 && t.device == like.device, op, ": ", what,
             " must be a float64 scalar on ", device_name(like.device), ", got ", t.describe());
  return t;
}
}  // namespace

int optim_sgd_group(const int64_t* params, const int64_t* grads, const int64_t* bufs, const int64_t* first,
                    int64_t count, double lr, double momentum, double dampening, double weight_decay,
                    bool nesterov, int64_t found_inf, int64_t step_counts, const int64_t* slots) noexcept {
  return status_of([&] {
    TensorGroup t = optimizer_group("sgd_group", params, grads, count, {{bufs, momentum != 0, "momentum buffer"}});
    t.steps = per_parameter("sgd_group", first, count, 0, 1, "first-use flag");
    set_guard("sgd_group", t, found_inf, step_counts, slots);
    backend_of(*t.params[0]).sgd_group(t, lr, momentum, dampening, weight_decay, nesterov);
  });
}

int optim_adagrad_group(const int64_t* params, const int64_t* grads, const int64_t* sums, const int64_t* steps,
                        int64_t count, double lr, double lr_decay, double eps, double weight_decay,
                        int64_t found_inf, int64_t step_counts, const int64_t* slots) noexcept {
  return status_of([&] {
    TensorGroup t = optimizer_group("adagrad_group", params, grads, count, {{sums, true, "sum of squares"}});
    set_guard("adagrad_group", t, found_inf, step_counts, slots);
    if (!t.guarded()) t.steps = per_parameter("adagrad_group", steps, count, 1, INT64_MAX, "step");
    JDNN_CHECK(!t.guarded() || steps == nullptr, "adagrad_group: a guarded step counts on the device; steps must be null");
    backend_of(*t.params[0]).adagrad_group(t, lr, lr_decay, eps, weight_decay);
  });
}

int optim_rmsprop_group(const int64_t* params, const int64_t* grads, const int64_t* square_avgs,
                        const int64_t* grad_avgs, const int64_t* bufs, int64_t count, double lr, double alpha,
                        double eps, double weight_decay, double momentum, bool centered, int64_t found_inf,
                        int64_t step_counts, const int64_t* slots) noexcept {
  return status_of([&] {
    TensorGroup t = optimizer_group("rmsprop_group", params, grads, count,
                                    {{square_avgs, true, "square average"},
                                     {grad_avgs, centered, "gradient average"},
                                     {bufs, momentum > 0, "momentum buffer"}});
    set_guard("rmsprop_group", t, found_inf, step_counts, slots);
    backend_of(*t.params[0]).rmsprop_group(t, lr, alpha, eps, weight_decay, momentum);
  });
}

int optim_adam_group(const int64_t* params, const int64_t* grads, const int64_t* ms, const int64_t* vs,
                     const int64_t* v_maxs, const int64_t* steps, int64_t count, double lr, double beta1,
                     double beta2, double eps, double weight_decay, bool amsgrad, bool decoupled,
                     int64_t found_inf, int64_t step_counts, const int64_t* slots) noexcept {
  return status_of([&] {
    const char* op = decoupled ? "adamw_group" : "adam_group";
    TensorGroup t = optimizer_group(op, params, grads, count,
                                    {{ms, true, "first moment"},
                                     {vs, true, "second moment"},
                                     {v_maxs, amsgrad, "AMSGrad maximum"}});
    set_guard(op, t, found_inf, step_counts, slots);
    if (!t.guarded()) t.steps = per_parameter(op, steps, count, 1, INT64_MAX, "step");
    JDNN_CHECK(!t.guarded() || steps == nullptr, op, ": a guarded step counts on the device; steps must be null");
    backend_of(*t.params[0]).adam_group(t, lr, beta1, beta2, eps, weight_decay, decoupled);
  });
}

int optim_grad_norm(const int64_t* grads, int64_t count, int64_t total, int64_t coef, double max_norm,
                    double eps) noexcept {
  return status_of([&] {
    TensorGroup t;
    t.params = group_members("grad_norm", grads, count, false, "gradient");
    Tensor& tot = float64_scalar_on("grad_norm", total, *t.params[0], "total");
    Tensor& c = float64_scalar_on("grad_norm", coef, *t.params[0], "coef");
    JDNN_CHECK(tot.storage->data != c.storage->data, "grad_norm: total and coef must be different tensors");
    JDNN_CHECK(max_norm >= 0 && eps >= 0, "grad_norm: max_norm and eps must be >= 0, got ", max_norm, " and ", eps);
    backend_of(tot).grad_norm(t, tot, c, max_norm, eps);
  });
}

int optim_scale_group(const int64_t* grads, int64_t count, int64_t coef) noexcept {
  return status_of([&] {
    TensorGroup t;
    t.params = group_members("scale_group", grads, count, false, "gradient");
    const Tensor& c = float64_scalar_on("scale_group", coef, *t.params[0], "coef");
    backend_of(c).scale_group(t, c);
  });
}

int amp_unscale(const int64_t* grads, int64_t count, int64_t found_inf, int64_t scale) noexcept {
  return status_of([&] {
    TensorGroup t;
    t.params = group_members("amp_unscale", grads, count, false, "gradient");
    const Tensor& device = *t.params[0];
    Tensor& flag = tensor_ref(found_inf);
    const Tensor& s = tensor_ref(scale);
    for (const Tensor* x : std::initializer_list<const Tensor*>{&flag, &s})
      JDNN_CHECK(x->dtype == DType::FLOAT32 && x->numel == 1 && x->device == device.device,
                 "amp_unscale: found_inf and scale must be float32 scalars on ", device_name(device.device), ", got ",
                 x->describe());
    JDNN_CHECK(flag.storage->data != s.storage->data, "amp_unscale: found_inf and scale must be different tensors");
    backend_of(flag).amp_unscale(t, flag, s);
  });
}

int amp_update_scale(int64_t scale, int64_t growth_tracker, int64_t skipped, int64_t found_inf, double growth_factor,
                     double backoff_factor, int64_t growth_interval) noexcept {
  return status_of([&] {
    Tensor &s = tensor_ref(scale), &tracker = tensor_ref(growth_tracker), &skips = tensor_ref(skipped);
    const Tensor& flag = tensor_ref(found_inf);
    const char* op = "amp_update_scale";
    JDNN_CHECK(s.dtype == DType::FLOAT32 && s.numel == 1, op, ": scale must be a float32 scalar, got ", s.describe());
    JDNN_CHECK(flag.dtype == DType::FLOAT32 && flag.numel == 1, op, ": found_inf must be a float32 scalar, got ",
               flag.describe());
    JDNN_CHECK(tracker.dtype == DType::INT32 && tracker.numel == 1, op, ": the growth tracker must be an int32 scalar, got ",
               tracker.describe());
    JDNN_CHECK(skips.dtype == DType::INT64 && skips.numel == 1, op, ": the skipped-step count must be an int64 scalar, got ",
               skips.describe());
    for (const Tensor* x : std::initializer_list<const Tensor*>{&flag, &tracker, &skips})
      JDNN_CHECK(x->device == s.device, op, ": ", x->describe(), " is not on the scale's device, ", s.describe());
    JDNN_CHECK(growth_factor > 1 && backoff_factor > 0 && backoff_factor < 1 && growth_interval >= 1 &&
                   growth_interval <= INT32_MAX,
               op, ": need growth_factor > 1, 0 < backoff_factor < 1 and growth_interval in [1, 2^31) (the tracker is"
               " int32), got ", growth_factor, ", ", backoff_factor, ", ", growth_interval);
    backend_of(s).amp_update_scale(s, tracker, skips, flag, growth_factor, backoff_factor, growth_interval);
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
