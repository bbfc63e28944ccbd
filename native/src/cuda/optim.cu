// Optimizer steps on the CUDA backend (CPU twin: cpu/optim.cpp). The update of
// one element is kernels/optim.h's, with the hyper-parameters converted exactly
// as the CPU converts them, so both backends follow one formula.
#include <type_traits>
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/dispatch.h"
#include "cuda/tensor_table.h"
#include "jdnn/jdnn.h"
#include "kernels/amp.h"
#include "kernels/optim.h"

namespace jdnn::cuda {

namespace {

// Optional state the configuration does not keep arrives as a null pointer; a
// per-element zero stands in for it, as on the CPU.
template <class T>
__global__ void sgd_kernel(T* p, const T* g, T* buf, int64_t n, kernels::SgdParams s) {
  JDNN_KERNEL_LOOP(i, n) {
    T scratch = T(0);
    kernels::sgd_update(p[i], g[i], buf != nullptr ? buf[i] : scratch, s);
  }
}

template <class T>
__global__ void adagrad_kernel(T* p, const T* g, T* sum, int64_t n, kernels::AdagradParams a) {
  JDNN_KERNEL_LOOP(i, n) { kernels::adagrad_update(p[i], g[i], sum[i], a); }
}

template <class T>
__global__ void rmsprop_kernel(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, int64_t n,
                               kernels::RmspropParams r) {
  JDNN_KERNEL_LOOP(i, n) {
    T scratch = T(0), unused = T(0);
    kernels::rmsprop_update(p[i], g[i], square_avg[i], grad_avg != nullptr ? grad_avg[i] : scratch,
                            buf != nullptr ? buf[i] : unused, r);
  }
}

template <bool AMSGRAD, bool DECOUPLED, class T>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, T* v_max, int64_t n, kernels::AdamConstants<T> c) {
  JDNN_KERNEL_LOOP(i, n) {
    T scratch = T(0);
    kernels::adam_update<AMSGRAD, DECOUPLED>(p[i], g[i], m[i], v[i], AMSGRAD ? v_max[i] : scratch, c);
  }
}

template <class T>
__global__ void clip_value_kernel(T* g, int64_t n, T limit) {
  JDNN_KERNEL_LOOP(i, n) { g[i] = kernels::clip_value(g[i], limit); }
}

template <class T>
T* data_or_null(Tensor* t) {
  return t != nullptr ? t->data<T>() : nullptr;
}

// ---- a parameter group per launch: each thread walks every tensor of the table with the same
// grid-stride loop as the per-tensor kernels, so each element gets the same update, bit for bit.

template <class T>
using SgdTable = TensorTable<T, 1, bool, 1>;  // state: momentum buffer; scalar: first use
template <class T>
using AdagradTable = TensorTable<T, 1, double, 1>;  // state: sum; scalar: lr / (1 + (step - 1) lr_decay)
template <class T>
using RmspropTable = TensorTable<T, 3>;  // states: square average, gradient average, buffer
template <class T>
using AdamTable = TensorTable<T, 3, T, 2>;  // states: m, v, v_max; scalars: step_size, bias_correction2_sqrt
template <class T>
using SpanTable = TensorTable<T, 0>;  // data only: clipping's gradients

// `skip`: null, or loss scaling's found_inf flag: when it is set the launch changes nothing.
// `guarded`: null, or the per-parameter constants a guard kernel (below) computed on the device.
template <class T>
__global__ void sgd_group_kernel(SgdTable<T> t, kernels::SgdParams s, const float* skip, const bool* guarded) {
  if (skip != nullptr && *skip != 0) return;
  for (int k = 0; k < t.count; ++k) {
    T *p = t.data[k], *buf = t.state[0][k];
    const T* g = t.grad[k];
    s.first = guarded != nullptr ? guarded[k] : t.scalar[0][k];
    JDNN_KERNEL_LOOP(i, t.numel[k]) {
      T scratch = T(0);
      kernels::sgd_update(p[i], g[i], buf != nullptr ? buf[i] : scratch, s);
    }
  }
}

// `replayed`: null eagerly; in a captured CUDA graph, this table's per-parameter constants, written
// before each replay (graph_constants), in place of the table's captured ones.
template <class T>
__global__ void adagrad_group_kernel(AdagradTable<T> t, kernels::AdagradParams a, const double* replayed,
                                     const float* skip) {
  if (skip != nullptr && *skip != 0) return;
  for (int k = 0; k < t.count; ++k) {
    T *p = t.data[k], *sum = t.state[0][k];
    const T* g = t.grad[k];
    a.clr = replayed != nullptr ? replayed[k] : t.scalar[0][k];
    JDNN_KERNEL_LOOP(i, t.numel[k]) { kernels::adagrad_update(p[i], g[i], sum[i], a); }
  }
}

template <class T>
__global__ void rmsprop_group_kernel(RmspropTable<T> t, kernels::RmspropParams r, const float* skip) {
  if (skip != nullptr && *skip != 0) return;
  for (int k = 0; k < t.count; ++k) {
    T *p = t.data[k], *square_avg = t.state[0][k], *grad_avg = t.state[1][k], *buf = t.state[2][k];
    const T* g = t.grad[k];
    JDNN_KERNEL_LOOP(i, t.numel[k]) {
      T scratch = T(0), unused = T(0);
      kernels::rmsprop_update(p[i], g[i], square_avg[i], grad_avg != nullptr ? grad_avg[i] : scratch,
                              buf != nullptr ? buf[i] : unused, r);
    }
  }
}

template <bool AMSGRAD, bool DECOUPLED, class T>
__global__ void adam_group_kernel(AdamTable<T> t, kernels::AdamConstants<T> c, const T* replayed, const float* skip) {
  if (skip != nullptr && *skip != 0) return;
  for (int k = 0; k < t.count; ++k) {
    T *p = t.data[k], *m = t.state[0][k], *v = t.state[1][k], *v_max = t.state[2][k];
    const T* g = t.grad[k];
    c.step_size = replayed != nullptr ? replayed[2 * k] : t.scalar[0][k];
    c.bias_correction2_sqrt = replayed != nullptr ? replayed[2 * k + 1] : t.scalar[1][k];
    JDNN_KERNEL_LOOP(i, t.numel[k]) {
      T scratch = T(0);
      kernels::adam_update<AMSGRAD, DECOUPLED>(p[i], g[i], m[i], v[i], AMSGRAD ? v_max[i] : scratch, c);
    }
  }
}

// ---- loss scaling's guarded steps (core/tensor_group.h): the step is decided and counted on the
// device. One thread, launched before the update, returns at once when found_inf is set; otherwise
// it reads each member's count, writes the member's per-step constants from count + 1 (with the
// device's pow) into `out` for the update kernel, and advances the count. The update kernel reads
// the same flag and returns too.

// The members' indices in the step counts, one table's worth (at most its capacity), and SGD's
// first-use flags from the host (a buffer created for this step).
struct GuardSlots {
  static constexpr int kCapacity = 128;
  int count;
  int32_t slot[kCapacity];
  bool host_first[kCapacity];
};

template <class Write>
__global__ void guard_kernel(GuardSlots g, int64_t* counts, const float* skip, Write write) {
  if (blockIdx.x != 0 || threadIdx.x != 0 || *skip != 0) return;
  for (int k = 0; k < g.count; ++k) {
    const int64_t done = counts[g.slot[k]];
    write(k, done, g.host_first[k]);
    counts[g.slot[k]] = done + 1;
  }
}

struct SgdGuardWrite {  // first use: the host's flag (a new buffer), or no update yet
  bool* out;
  JDNN_HD void operator()(int k, int64_t done, bool host_first) const { out[k] = host_first || done == 0; }
};

struct AdagradGuardWrite {
  double* out;
  double lr, lr_decay, eps, wd;
  JDNN_HD void operator()(int k, int64_t done, bool) const {
    out[k] = kernels::adagrad_params<true>(lr, lr_decay, eps, wd, done + 1).clr;
  }
};

struct NoGuardConstants {  // RMSProp: no per-step constants, only the count
  JDNN_HD void operator()(int, int64_t, bool) const {}
};

template <class T>
struct AdamGuardWrite {
  T* out;
  double lr, b1, b2, eps, wd;
  bool amsgrad, decoupled;
  JDNN_HD void operator()(int k, int64_t done, bool) const {
    const kernels::AdamConstants<T> c(kernels::adam_params<true>(lr, b1, b2, eps, wd, done + 1, amsgrad, decoupled));
    out[2 * k] = c.step_size;
    out[2 * k + 1] = c.bias_correction2_sqrt;
  }
};

// Members [first, first + count) of a guarded group as a GuardSlots.
GuardSlots guard_slots(const TensorGroup& g, size_t first, int count) {
  GuardSlots out{};
  out.count = count;
  for (int k = 0; k < count; ++k) {
    const size_t m = first + static_cast<size_t>(k);
    out.slot[k] = static_cast<int32_t>(g.slots[m]);
    out.host_first[k] = !g.steps.empty() && g.steps[m] != 0;
  }
  return out;
}

const float* skip_flag(const TensorGroup& g) { return g.guarded() ? g.found_inf->data<float>() : nullptr; }

// Clipping by global norm in three launches and no host wait: each thread of a fixed grid sums the
// squares of its grid-stride share of every tensor in float64 into partial[offset + thread] (a
// fixed split, so the total does not depend on the block order); one thread adds the partial sums
// in order and writes the norm and the factor; the scale kernel multiplies by the factor.
constexpr unsigned kNormBlocks = 32;
constexpr int64_t kNormThreads = int64_t(kNormBlocks) * kBlock;

template <class T>
__global__ void sum_squares_kernel(SpanTable<T> t, double* partial) {
  double s = 0;
  for (int k = 0; k < t.count; ++k) {
    const T* x = t.data[k];
    JDNN_KERNEL_LOOP(i, t.numel[k]) { s += static_cast<double>(x[i]) * static_cast<double>(x[i]); }
  }
  partial[int64_t(blockIdx.x) * blockDim.x + threadIdx.x] = s;
}

__global__ void clip_coef_kernel(const double* partial, int64_t n, double* total, double* coef, double max_norm,
                                 double eps) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += partial[i];
  *total = std::sqrt(s);
  *coef = kernels::clip_coef(*total, max_norm, eps);
}

template <class T>
__global__ void scale_group_kernel(SpanTable<T> t, const double* coef) {
  const double c = *coef;
  if (c == 1) return;  // min(1, ...) left every gradient as it is
  const T f = static_cast<T>(c);
  for (int k = 0; k < t.count; ++k) {
    T* x = t.data[k];
    JDNN_KERNEL_LOOP(i, t.numel[k]) { x[i] = kernels::scale_by(x[i], f); }
  }
}

template <class Table>
int64_t table_elements(const Table& t) {
  int64_t n = 0;
  for (int k = 0; k < t.count; ++k) n += t.numel[k];
  return n;
}

// Sets the fields every optimizer table has for group member k: parameter, gradient, states.
template <class Table, class T>
void fill_optimizer_entry(Table& table, int slot, const TensorGroup& g, size_t k) {
  table.numel[slot] = g.params[k]->numel;
  table.data[slot] = g.params[k]->data<T>();
  table.grad[slot] = g.grads[k]->data<T>();
  for (size_t j = 0; j < g.states.size() && j < sizeof(table.state) / sizeof(table.state[0]); ++j)
    table.state[j][slot] = data_or_null<T>(g.state(static_cast<int>(j), k));
}

// The members of a clipping group of element type T, by index.
template <class T>
std::vector<size_t> members_of_type(const TensorGroup& g) {
  std::vector<size_t> out;
  for (size_t k = 0; k < g.size(); ++k)
    if (g.params[k]->dtype == (std::is_same_v<T, float> ? DType::FLOAT32 : DType::FLOAT64)) out.push_back(k);
  return out;
}

// Calls launch(table) for the clipping group's tensors of each float type, in tables of at most
// SpanTable's capacity.
template <class Launch>
void for_each_span_table(const TensorGroup& g, Launch&& launch) {
  auto of_type = [&](auto zero) {
    using T = decltype(zero);
    const std::vector<size_t> members = members_of_type<T>(g);
    for_each_table<SpanTable<T>>(
        members.size(),
        [&](SpanTable<T>& table, int slot, size_t m) {
          table.numel[slot] = g.params[members[m]]->numel;
          table.data[slot] = g.params[members[m]]->data<T>();
          table.grad[slot] = nullptr;
        },
        [&](const SpanTable<T>& table, size_t) { launch(table); });
  };
  of_type(float{});
  of_type(double{});
}

}  // namespace

void CudaBackend::sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum, double dampening,
                      double wd, bool nesterov, bool first) {
  JDNN_CUDA_OP("sgd");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::SgdParams params{lr, momentum, dampening, wd, nesterov, first};
  with_float(p.dtype, "sgd", [&](auto zero) {
    using T = decltype(zero);
    launch_n(sgd_kernel<T>, p.numel, s, p.data<T>(), g.data<T>(), data_or_null<T>(buf), p.numel, params);
  });
}

void CudaBackend::adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay, double eps,
                          double wd, int64_t step) {
  JDNN_CUDA_OP("adagrad");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::AdagradParams params = kernels::adagrad_params(lr, lr_decay, eps, wd, step);
  with_float(p.dtype, "adagrad", [&](auto zero) {
    using T = decltype(zero);
    launch_n(adagrad_kernel<T>, p.numel, s, p.data<T>(), g.data<T>(), sum.data<T>(), p.numel, params);
  });
}

void CudaBackend::rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg, Tensor* buf,
                          double lr, double alpha, double eps, double wd, double momentum) {
  JDNN_CUDA_OP("rmsprop");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::RmspropParams params{lr, alpha, eps, wd, momentum, grad_avg != nullptr};
  with_float(p.dtype, "rmsprop", [&](auto zero) {
    using T = decltype(zero);
    launch_n(rmsprop_kernel<T>, p.numel, s, p.data<T>(), g.data<T>(), square_avg.data<T>(),
             data_or_null<T>(grad_avg), data_or_null<T>(buf), p.numel, params);
  });
}

void CudaBackend::adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr, double b1,
                       double b2, double eps, double wd, int64_t step, bool decoupled) {
  JDNN_CUDA_OP("adam");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::AdamParams a = kernels::adam_params(lr, b1, b2, eps, wd, step, v_max != nullptr, decoupled);
  with_float(p.dtype, "adam", [&](auto zero) {
    using T = decltype(zero);
    const kernels::AdamConstants<T> c(a);
    T *ps = p.data<T>(), *ms = m.data<T>(), *vs = v.data<T>(), *mx = data_or_null<T>(v_max);
    const T* gs = g.data<T>();
    const int64_t n = p.numel;
    kernels::with_adam_variant(mx != nullptr, decoupled, [&](auto amsgrad, auto decoupled_) {
      launch_n(adam_kernel<decltype(amsgrad)::value, decltype(decoupled_)::value, T>, n, s, ps, gs, ms, vs, mx, n, c);
    });
  });
}

void CudaBackend::clip_value(Tensor& g, double limit) {
  JDNN_CUDA_OP("clip_value");
  cudaStream_t s = jdnn_op.ctx.stream;
  with_float(g.dtype, "clip_value", [&](auto zero) {
    using T = decltype(zero);
    launch_n(clip_value_kernel<T>, g.numel, s, g.data<T>(), g.numel, static_cast<T>(limit));
  });
}

// ---- a parameter group per launch ---------------------------------------------------------------

void CudaBackend::sgd_group(const TensorGroup& g, double lr, double momentum, double dampening, double wd,
                            bool nesterov) {
  JDNN_CUDA_OP("sgd_group");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::SgdParams params{lr, momentum, dampening, wd, nesterov, false};
  // guarded: the first-use flags the guard kernel decides
  DeviceScratch guard(jdnn_op.ctx.allocator, g.guarded() ? g.size() * sizeof(bool) : 0);
  with_float(g.params[0]->dtype, "sgd_group", [&](auto zero) {
    using T = decltype(zero);
    static_assert(SgdTable<T>::kCapacity <= GuardSlots::kCapacity);
    for_each_table<SgdTable<T>>(
        g.size(),
        [&](SgdTable<T>& t, int slot, size_t k) {
          fill_optimizer_entry<SgdTable<T>, T>(t, slot, g, k);
          t.scalar[0][slot] = g.steps[k] != 0;
        },
        [&](const SgdTable<T>& t, size_t first) {
          bool* firsts = nullptr;
          if (g.guarded()) {
            firsts = guard.as<bool>() + first;
            launch(guard_kernel<SgdGuardWrite>, 1, 1, s, guard_slots(g, first, t.count),
                   g.step_counts->data<int64_t>(), skip_flag(g),
                   SgdGuardWrite{firsts});
          }
          launch_n(sgd_group_kernel<T>, table_elements(t), s, t, params, skip_flag(g), firsts);
        });
  });
}

void CudaBackend::adagrad_group(const TensorGroup& g, double lr, double lr_decay, double eps, double wd) {
  JDNN_CUDA_OP("adagrad_group");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::AdagradParams params = kernels::adagrad_params(lr, lr_decay, eps, wd, 1);
  DeviceScratch guard(jdnn_op.ctx.allocator, g.guarded() ? g.size() * sizeof(double) : 0);
  with_float(g.params[0]->dtype, "adagrad_group", [&](auto zero) {
    using T = decltype(zero);
    static_assert(AdagradTable<T>::kCapacity <= GuardSlots::kCapacity);
    // Captured into a CUDA graph: the decayed rates follow the step count, so each replay's are
    // written to the device before it (replay r updates step steps[k] + r).
    const double* replayed = nullptr;
    if (graph_capturing() && !g.guarded()) {
      std::vector<int64_t> steps(g.steps.begin(), g.steps.end());
      replayed = static_cast<const double*>(
          graph_constants(steps.size() * sizeof(double), SourceKind::kOptimizerSteps, 0, 0, 1,
                          [=](int64_t replay, void* host) {
            auto* out = static_cast<double*>(host);
            for (size_t k = 0; k < steps.size(); ++k) {
              out[k] = kernels::adagrad_params(lr, lr_decay, eps, wd, steps[k] + replay).clr;
            }
          }));
    }
    for_each_table<AdagradTable<T>>(
        g.size(),
        [&](AdagradTable<T>& t, int slot, size_t k) {
          fill_optimizer_entry<AdagradTable<T>, T>(t, slot, g, k);
          t.scalar[0][slot] = g.guarded() ? 0.0 : kernels::adagrad_params(lr, lr_decay, eps, wd, g.steps[k]).clr;
        },
        [&](const AdagradTable<T>& t, size_t first) {
          const double* constants = replayed != nullptr ? replayed + first : nullptr;
          if (g.guarded()) {
            constants = guard.as<double>() + first;
            launch(guard_kernel<AdagradGuardWrite>, 1, 1, s, guard_slots(g, first, t.count),
                   g.step_counts->data<int64_t>(), skip_flag(g),
                   AdagradGuardWrite{guard.as<double>() + first, lr, lr_decay, eps, wd});
          }
          launch_n(adagrad_group_kernel<T>, table_elements(t), s, t, params, constants, skip_flag(g));
        });
  });
}

void CudaBackend::rmsprop_group(const TensorGroup& g, double lr, double alpha, double eps, double wd,
                                double momentum) {
  JDNN_CUDA_OP("rmsprop_group");
  cudaStream_t s = jdnn_op.ctx.stream;
  const kernels::RmspropParams params{lr, alpha, eps, wd, momentum, !g.states[1].empty()};
  with_float(g.params[0]->dtype, "rmsprop_group", [&](auto zero) {
    using T = decltype(zero);
    static_assert(RmspropTable<T>::kCapacity <= GuardSlots::kCapacity);
    for_each_table<RmspropTable<T>>(
        g.size(), [&](RmspropTable<T>& t, int slot, size_t k) { fill_optimizer_entry<RmspropTable<T>, T>(t, slot, g, k); },
        [&](const RmspropTable<T>& t, size_t first) {
          if (g.guarded()) {
            launch(guard_kernel<NoGuardConstants>, 1, 1, s, guard_slots(g, first, t.count),
                   g.step_counts->data<int64_t>(), skip_flag(g), NoGuardConstants{});
          }
          launch_n(rmsprop_group_kernel<T>, table_elements(t), s, t, params, skip_flag(g));
        });
  });
}

void CudaBackend::adam_group(const TensorGroup& g, double lr, double b1, double b2, double eps, double wd,
                             bool decoupled) {
  JDNN_CUDA_OP("adam_group");
  cudaStream_t s = jdnn_op.ctx.stream;
  const bool amsgrad = !g.states[2].empty();
  with_float(g.params[0]->dtype, "adam_group", [&](auto zero) {
    using T = decltype(zero);
    static_assert(AdamTable<T>::kCapacity <= GuardSlots::kCapacity);
    // the step constants of each parameter (their steps may differ), computed as adam() does; a
    // guarded step's come from the guard kernel
    auto constants = [&](size_t k) {
      return kernels::AdamConstants<T>(
          kernels::adam_params(lr, b1, b2, eps, wd, g.guarded() ? 1 : g.steps[k], amsgrad, decoupled));
    };
    const kernels::AdamConstants<T> shared = constants(0);
    DeviceScratch guard(jdnn_op.ctx.allocator, g.guarded() ? 2 * g.size() * sizeof(T) : 0);
    // Captured into a CUDA graph: the step sizes and bias corrections follow the step count, so each
    // replay's are written to the device before it (replay r updates step steps[k] + r).
    const T* replayed = nullptr;
    if (graph_capturing() && !g.guarded()) {
      std::vector<int64_t> steps(g.steps.begin(), g.steps.end());
      replayed = static_cast<const T*>(
          graph_constants(2 * steps.size() * sizeof(T), SourceKind::kOptimizerSteps, 0, 0, 1,
                          [=](int64_t replay, void* host) {
            auto* out = static_cast<T*>(host);
            for (size_t k = 0; k < steps.size(); ++k) {
              const kernels::AdamConstants<T> c(
                  kernels::adam_params(lr, b1, b2, eps, wd, steps[k] + replay, amsgrad, decoupled));
              out[2 * k] = c.step_size;
              out[2 * k + 1] = c.bias_correction2_sqrt;
            }
          }));
    }
    kernels::with_adam_variant(amsgrad, decoupled, [&](auto amsgrad_, auto decoupled_) {
      for_each_table<AdamTable<T>>(
          g.size(),
          [&](AdamTable<T>& t, int slot, size_t k) {
            fill_optimizer_entry<AdamTable<T>, T>(t, slot, g, k);
            const kernels::AdamConstants<T> c = constants(k);
            t.scalar[0][slot] = c.step_size;
            t.scalar[1][slot] = c.bias_correction2_sqrt;
          },
          [&](const AdamTable<T>& t, size_t first) {
            const T* step_constants = replayed != nullptr ? replayed + 2 * first : nullptr;
            if (g.guarded()) {
              step_constants = guard.as<T>() + 2 * first;
              launch(guard_kernel<AdamGuardWrite<T>>, 1, 1, s, guard_slots(g, first, t.count),
                     g.step_counts->data<int64_t>(), skip_flag(g),
                     AdamGuardWrite<T>{guard.as<T>() + 2 * first, lr, b1, b2, eps, wd, amsgrad, decoupled});
            }
            launch_n(adam_group_kernel<decltype(amsgrad_)::value, decltype(decoupled_)::value, T>, table_elements(t),
                     s, t, shared, step_constants, skip_flag(g));
          });
    });
  });
}

void CudaBackend::grad_norm(const TensorGroup& g, Tensor& total, Tensor& coef, double max_norm, double eps) {
  JDNN_CUDA_OP("grad_norm");
  cudaStream_t s = jdnn_op.ctx.stream;
  size_t tables = 0;
  for_each_span_table(g, [&](const auto&) { ++tables; });
  DeviceScratch partial(jdnn_op.ctx.allocator, tables * kNormThreads * sizeof(double));
  size_t next = 0;
  for_each_span_table(g, [&](const auto& t) {
    using T = typename std::decay_t<decltype(t)>::element_type;
    launch(sum_squares_kernel<T>, kNormBlocks, kBlock, s, t, partial.as<double>() + next++ * kNormThreads);
  });
  launch(clip_coef_kernel, 1, 1, s, partial.as<double>(), static_cast<int64_t>(tables * kNormThreads),
         total.data<double>(), coef.data<double>(), max_norm, eps);
}

void CudaBackend::scale_group(const TensorGroup& g, const Tensor& coef) {
  JDNN_CUDA_OP("scale_group");
  cudaStream_t s = jdnn_op.ctx.stream;
  for_each_span_table(g, [&](const auto& t) {
    using T = typename std::decay_t<decltype(t)>::element_type;
    launch_n(scale_group_kernel<T>, table_elements(t), s, t, coef.data<double>());
  });
}

// ---- loss scaling ---------------------------------------------------------------------------------

namespace {
// Threads that found an inf or NaN all write the same 1 to the flag.
template <class T>
__global__ void amp_unscale_kernel(SpanTable<T> t, float* found_inf, const float* scale) {
  const float inv = kernels::inverse_scale(*scale);
  bool found = false;
  for (int k = 0; k < t.count; ++k) {
    T* x = t.data[k];
    JDNN_KERNEL_LOOP(i, t.numel[k]) { x[i] = kernels::unscale(x[i], inv, found); }
  }
  if (found) *found_inf = 1.0f;
}

__global__ void amp_update_scale_kernel(float* scale, int32_t* tracker, int64_t* skipped, const float* found_inf,
                                        double growth, double backoff, int64_t interval) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  kernels::update_scale(*scale, *tracker, *skipped, *found_inf, growth, backoff, interval);
}
}  // namespace

void CudaBackend::amp_unscale(const TensorGroup& g, Tensor& found_inf, const Tensor& scale) {
  JDNN_CUDA_OP("amp_unscale");
  cudaStream_t s = jdnn_op.ctx.stream;
  for_each_span_table(g, [&](const auto& t) {
    using T = typename std::decay_t<decltype(t)>::element_type;
    launch_n(amp_unscale_kernel<T>, table_elements(t), s, t, found_inf.data<float>(), scale.data<float>());
  });
}

void CudaBackend::amp_update_scale(Tensor& scale, Tensor& tracker, Tensor& skipped, const Tensor& found_inf,
                                   double growth, double backoff, int64_t interval) {
  JDNN_CUDA_OP("amp_update_scale");
  launch(amp_update_scale_kernel, 1, 1, jdnn_op.ctx.stream, scale.data<float>(), tracker.data<int32_t>(),
         skipped.data<int64_t>(), found_inf.data<float>(), growth, backoff, interval);
}

}  // namespace jdnn::cuda
