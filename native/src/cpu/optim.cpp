// Optimizer steps on the CPU, per tensor and per parameter group. Both paths run the same range
// loops below (one per optimizer), so a group's call gives every element the bits the per-tensor
// calls give it: only how the elements are shared among threads differs.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <type_traits>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/denormals.h"
#include "cpu/optim_adam_avx512.h"
#include "cpu/thread_pool.h"
#include "kernels/amp.h"
#include "kernels/optim.h"

namespace jdnn::cpu {

namespace {

template <class T>
T* data_or_null(Tensor* t) {
  return t != nullptr ? t->data<T>() : nullptr;
}

// Runs f(begin, end) over [0, n) on the pool, with denormals flushed in each chunk (each worker
// thread sets and restores its own MXCSR).
template <class F>
void parallel_elements(int64_t n, F&& f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    FlushDenormals ftz;
    f(b, e);
  });
}

// Runs f(k, begin, end) over the group's elements seen as one concatenation: chunks of it go to
// the pool's threads, so small tensors share a chunk and a large one is split. A chunk calls f
// once per tensor it touches, with that tensor's element range.
template <class F>
void parallel_group(const TensorGroup& t, F&& f) {
  std::vector<int64_t> start(t.size() + 1, 0);
  for (size_t k = 0; k < t.size(); ++k) start[k + 1] = start[k] + t.params[k]->numel;
  parallel_elements(start.back(), [&](int64_t b, int64_t e) {
    // the last tensor starting at or before b (it is not empty: it holds element b)
    size_t k = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), b) - start.begin()) - 1;
    for (; b < e; ++k) {
      const int64_t stop = std::min(e, start[k + 1]);
      if (stop > b) f(k, b - start[k], stop - start[k]);
      b = std::max(b, stop);
    }
  });
}

// The element loops, shared by both paths. Optional state is null when not kept; a per-element
// zero stands in for it.
template <class T>
void sgd_range(T* ps, const T* gs, T* bs, int64_t b, int64_t e, const kernels::SgdParams& s) {
  for (int64_t i = b; i < e; ++i) {
    T scratch = T(0);
    kernels::sgd_update(ps[i], gs[i], bs ? bs[i] : scratch, s);
  }
}

template <class T>
void adagrad_range(T* ps, const T* gs, T* ss, int64_t b, int64_t e, const kernels::AdagradParams& a) {
  for (int64_t i = b; i < e; ++i) kernels::adagrad_update(ps[i], gs[i], ss[i], a);
}

template <class T>
void rmsprop_range(T* ps, const T* gs, T* sq, T* ga, T* bs, int64_t b, int64_t e,
                   const kernels::RmspropParams& r) {
  for (int64_t i = b; i < e; ++i) {
    T scratch = T(0), unused = T(0);
    kernels::rmsprop_update(ps[i], gs[i], sq[i], ga ? ga[i] : scratch, bs ? bs[i] : unused, r);
  }
}

// The constants are taken by value: through a reference the compiler must assume every store to
// ps, ms or vs may change them, reloads them per element and keeps the loop scalar (about 3x slower
// here); a local copy lets it vectorize. Same operations per element either way, so same bits.
// Whether the AVX-512 Adam loop may run here: it is built with these instruction sets.
bool adam_avx512_usable() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool usable = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return usable;
#else
  return false;
#endif
}

template <bool AMSGRAD, bool DECOUPLED, class T>
void adam_range(T* ps, const T* gs, T* ms, T* vs, T* mx, int64_t b, int64_t e, const kernels::AdamConstants<T> c) {
  if constexpr (std::is_same_v<T, float>) {
    if (adam_avx512_usable() && adam_range_f32_avx512(AMSGRAD, DECOUPLED, ps, gs, ms, vs, mx, b, e, c)) return;
  }
  T scratch = T(0);
  for (int64_t i = b; i < e; ++i) {
    kernels::adam_update<AMSGRAD, DECOUPLED>(ps[i], gs[i], ms[i], vs[i], AMSGRAD ? mx[i] : scratch, c);
  }
}

}  // namespace

// ---- one tensor per call ----------------------------------------------------------------------

void CpuBackend::sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum,
                     double dampening, double wd, bool nesterov, bool first) {
  const kernels::SgdParams s{lr, momentum, dampening, wd, nesterov, first};
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *bs = data_or_null<T>(buf);
    const T* gs = g.data<T>();
    parallel_elements(p.numel, [&](int64_t b, int64_t e) { sgd_range(ps, gs, bs, b, e, s); });
  });
}

void CpuBackend::adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay,
                         double eps, double wd, int64_t step) {
  const kernels::AdagradParams a = kernels::adagrad_params(lr, lr_decay, eps, wd, step);
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *ss = sum.data<T>();
    const T* gs = g.data<T>();
    parallel_elements(p.numel, [&](int64_t b, int64_t e) { adagrad_range(ps, gs, ss, b, e, a); });
  });
}

void CpuBackend::rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg,
                         Tensor* buf, double lr, double alpha, double eps, double wd,
                         double momentum) {
  const kernels::RmspropParams r{lr, alpha, eps, wd, momentum, grad_avg != nullptr};
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    T *ps = p.data<T>(), *sq = square_avg.data<T>();
    T *ga = data_or_null<T>(grad_avg), *bs = data_or_null<T>(buf);
    const T* gs = g.data<T>();
    parallel_elements(p.numel, [&](int64_t b, int64_t e) { rmsprop_range(ps, gs, sq, ga, bs, b, e, r); });
  });
}

void CpuBackend::adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr,
                      double b1, double b2, double eps, double wd, int64_t step, bool decoupled) {
  const kernels::AdamParams a =
      kernels::adam_params(lr, b1, b2, eps, wd, step, v_max != nullptr, decoupled);
  with_float_type(p.dtype, [&](auto zero) {
    using T = decltype(zero);
    const kernels::AdamConstants<T> c(a);
    T *ps = p.data<T>(), *ms = m.data<T>(), *vs = v.data<T>(), *mx = data_or_null<T>(v_max);
    const T* gs = g.data<T>();
    kernels::with_adam_variant(mx != nullptr, decoupled, [&](auto amsgrad, auto decoupled_) {
      parallel_elements(p.numel, [&](int64_t b, int64_t e) {
        adam_range<decltype(amsgrad)::value, decltype(decoupled_)::value>(ps, gs, ms, vs, mx, b, e, c);
      });
    });
  });
}

void CpuBackend::clip_value(Tensor& g, double limit) {
  with_float_type(g.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* gs = g.data<T>();
    const T c = static_cast<T>(limit);
    parallel_elements(g.numel, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) gs[i] = kernels::clip_value(gs[i], c);
    });
  });
}

// ---- a parameter group per call ---------------------------------------------------------------

namespace {
// Loss scaling's guard (core/tensor_group.h), read in place: on the CPU the flag and the counts are
// host memory. Skips `run` when found_inf is set; else runs it on a copy of the group whose steps
// are the counts + 1 (Adam, AdaGrad, RMSProp) or the first-use flags (SGD: the host's flag, or a
// count of 0), then advances the counts.
template <class F>
void guarded(const TensorGroup& t, bool first_flags, F&& run) {
  if (!t.guarded()) {
    run(t);
    return;
  }
  if (t.found_inf->data<float>()[0] != 0) return;
  int64_t* counts = t.step_counts->data<int64_t>();
  TensorGroup g = t;
  g.steps.resize(t.size());
  for (size_t k = 0; k < t.size(); ++k) {
    const int64_t done = counts[t.slots[k]];
    g.steps[k] = first_flags ? ((!t.steps.empty() && t.steps[k] != 0) || done == 0) : done + 1;
  }
  run(g);
  for (size_t k = 0; k < t.size(); ++k) ++counts[t.slots[k]];
}
}  // namespace

void CpuBackend::sgd_group(const TensorGroup& group, double lr, double momentum, double dampening, double wd,
                           bool nesterov) {
  guarded(group, true, [&](const TensorGroup& t) {
    with_float_type(t.params[0]->dtype, [&](auto zero) {
      using T = decltype(zero);
      parallel_group(t, [&](size_t k, int64_t b, int64_t e) {
        const kernels::SgdParams s{lr, momentum, dampening, wd, nesterov, t.steps[k] != 0};
        sgd_range(t.params[k]->data<T>(), t.grads[k]->data<T>(), data_or_null<T>(t.state(0, k)), b, e, s);
      });
    });
  });
}

void CpuBackend::adagrad_group(const TensorGroup& group, double lr, double lr_decay, double eps, double wd) {
  guarded(group, false, [&](const TensorGroup& t) {
    with_float_type(t.params[0]->dtype, [&](auto zero) {
      using T = decltype(zero);
      parallel_group(t, [&](size_t k, int64_t b, int64_t e) {
        const kernels::AdagradParams a = kernels::adagrad_params(lr, lr_decay, eps, wd, t.steps[k]);
        adagrad_range(t.params[k]->data<T>(), t.grads[k]->data<T>(), t.state(0, k)->data<T>(), b, e, a);
      });
    });
  });
}

void CpuBackend::rmsprop_group(const TensorGroup& group, double lr, double alpha, double eps, double wd,
                               double momentum) {
  const kernels::RmspropParams r{lr, alpha, eps, wd, momentum, !group.states[1].empty()};
  guarded(group, false, [&](const TensorGroup& t) {
    with_float_type(t.params[0]->dtype, [&](auto zero) {
      using T = decltype(zero);
      parallel_group(t, [&](size_t k, int64_t b, int64_t e) {
        rmsprop_range(t.params[k]->data<T>(), t.grads[k]->data<T>(), t.state(0, k)->data<T>(),
                      data_or_null<T>(t.state(1, k)), data_or_null<T>(t.state(2, k)), b, e, r);
      });
    });
  });
}

void CpuBackend::adam_group(const TensorGroup& group, double lr, double b1, double b2, double eps, double wd,
                            bool decoupled) {
  guarded(group, false, [&](const TensorGroup& t) {
    const bool amsgrad = !t.states[2].empty();
    with_float_type(t.params[0]->dtype, [&](auto zero) {
      using T = decltype(zero);
      // the per-step constants of each parameter (their steps may differ), computed as adam() does
      std::vector<kernels::AdamConstants<T>> c;
      c.reserve(t.size());
      for (size_t k = 0; k < t.size(); ++k)
        c.emplace_back(kernels::adam_params(lr, b1, b2, eps, wd, t.steps[k], amsgrad, decoupled));
      kernels::with_adam_variant(amsgrad, decoupled, [&](auto amsgrad_, auto decoupled_) {
        parallel_group(t, [&](size_t k, int64_t b, int64_t e) {
          adam_range<decltype(amsgrad_)::value, decltype(decoupled_)::value>(
              t.params[k]->data<T>(), t.grads[k]->data<T>(), t.state(0, k)->data<T>(), t.state(1, k)->data<T>(),
              data_or_null<T>(t.state(2, k)), b, e, c[k]);
        });
      });
    });
  });
}

// ---- clipping by global norm --------------------------------------------------------------------

namespace {
// Elements per partial sum of squares: a fixed split of the concatenation, so the total does not
// depend on the thread count.
constexpr int64_t kNormBlock = 1 << 16;
}  // namespace

void CpuBackend::grad_norm(const TensorGroup& t, Tensor& total, Tensor& coef, double max_norm, double eps) {
  // blocks of kNormBlock elements within each tensor, summed in float64, then added in order
  std::vector<std::pair<size_t, int64_t>> blocks;
  for (size_t k = 0; k < t.size(); ++k)
    for (int64_t b = 0; b < t.params[k]->numel; b += kNormBlock) blocks.emplace_back(k, b);
  std::vector<double> partial(blocks.size(), 0.0);
  for_each_item(static_cast<int64_t>(blocks.size()), blocks.size() > 1, [&](int64_t j) {
    const auto [k, b] = blocks[j];
    const Tensor& x = *t.params[k];
    const int64_t e = std::min(x.numel, b + kNormBlock);
    with_float_type(x.dtype, [&](auto zero) {
      using T = decltype(zero);
      const T* xs = x.data<T>();
      double s = 0;
      for (int64_t i = b; i < e; ++i) s += static_cast<double>(xs[i]) * static_cast<double>(xs[i]);
      partial[j] = s;
    });
  });
  double sum = 0;
  for (double s : partial) sum += s;
  const double norm = std::sqrt(sum);
  total.data<double>()[0] = norm;
  coef.data<double>()[0] = kernels::clip_coef(norm, max_norm, eps);
}

// ---- loss scaling ---------------------------------------------------------------------------------

void CpuBackend::amp_unscale(const TensorGroup& t, Tensor& found_inf, const Tensor& scale) {
  const float inv = kernels::inverse_scale(scale.data<float>()[0]);
  std::atomic<bool> found{false};
  for (const Tensor* x : t.params) {
    with_float_type(x->dtype, [&](auto zero) {
      using T = decltype(zero);
      T* xs = x->data<T>();
      parallel_elements(x->numel, [&](int64_t b, int64_t e) {
        bool f = false;
        for (int64_t i = b; i < e; ++i) xs[i] = kernels::unscale(xs[i], inv, f);
        if (f) found.store(true, std::memory_order_relaxed);
      });
    });
  }
  if (found.load()) found_inf.data<float>()[0] = 1.0f;
}

void CpuBackend::amp_update_scale(Tensor& scale, Tensor& tracker, Tensor& skipped, const Tensor& found_inf,
                                  double growth, double backoff, int64_t interval) {
  kernels::update_scale(scale.data<float>()[0], tracker.data<int32_t>()[0], skipped.data<int64_t>()[0],
                        found_inf.data<float>()[0], growth, backoff, interval);
}

void CpuBackend::scale_group(const TensorGroup& t, const Tensor& coef) {
  const double c = coef.data<double>()[0];
  if (c == 1) return;  // min(1, ...) left every gradient as it is
  for (const Tensor* x : t.params) {
    with_float_type(x->dtype, [&](auto zero) {
      using T = decltype(zero);
      T* xs = x->data<T>();
      const T f = static_cast<T>(c);
      parallel_elements(x->numel, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) xs[i] = kernels::scale_by(xs[i], f);
      });
    });
  }
}

}  // namespace jdnn::cpu
