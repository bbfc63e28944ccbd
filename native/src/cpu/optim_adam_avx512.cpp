// Adam's float32 element loop built for AVX-512 (-mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma
// -mavx2, plus -ffp-contract=off -fno-math-errno from CMakeLists.txt); only reached through
// adam_range_f32_avx512() after a CPUID check in optim.cpp.
//
// Why: the update is bound by its two divisions and one square root per element; 16 lanes at a
// time run it about 4x faster than the baseline build's 4 (9,000 parameters: 1.7 us instead of
// 6.6), and Adam was the largest part of a small network's training step. Same bits: the same
// operations in the same order as kernels::adam_update (IEEE division and square root are
// correctly rounded at any vector width, and no a * b + c is fused: fp-contract is off).
//
// As in gemm_avx512.cpp, everything here has internal linkage and nothing from a shared header is
// instantiated (the arithmetic is written out, __builtin_sqrtf instead of std::sqrt), so the linker
// can never hand AVX-512 code to the baseline path through a shared inline symbol.
#include <cstdint>

#include "cpu/optim_adam_avx512.h"

namespace jdnn::cpu {

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512DQ__) && \
    defined(__FMA__)

namespace {

// kernels::lerp, kernels::adam_update: keep in step with kernels/optim.h.
template <bool AMSGRAD, bool DECOUPLED, bool NEAR>
void adam_loop(float* ps, const float* gs, float* ms, float* vs, float* mx, int64_t b, int64_t e,
               const kernels::AdamConstants<float> c) {
  for (int64_t i = b; i < e; ++i) {
    float p = ps[i], g = gs[i];
    if (DECOUPLED) {
      p *= c.decay;
    } else {
      g += c.weight_decay * p;
    }
    const float m0 = ms[i];
    // lerp(m, g, w): the branch on w is the same for every element, so it is taken out of the loop
    const float m = NEAR ? m0 + c.one_minus_beta1 * (g - m0) : g - (g - m0) * (1.0f - c.one_minus_beta1);
    ms[i] = m;
    const float v = c.beta2 * vs[i] + c.one_minus_beta2 * g * g;
    vs[i] = v;
    float second = v;
    if (AMSGRAD) {
      const float vm = mx[i];
      const float next = (vm < v || v != v) ? v : vm;  // NaN in v must win, as torch.maximum propagates it
      mx[i] = next;
      second = next;
    }
    const float denom = __builtin_sqrtf(second) / c.bias_correction2_sqrt + c.eps;
    ps[i] = p - c.step_size * m / denom;
  }
}

template <bool AMSGRAD, bool DECOUPLED>
void adam_variant(float* ps, const float* gs, float* ms, float* vs, float* mx, int64_t b, int64_t e,
                  const kernels::AdamConstants<float> c) {
  const float w = c.one_minus_beta1;
  if (w < 0.5f && w > -0.5f) {
    adam_loop<AMSGRAD, DECOUPLED, true>(ps, gs, ms, vs, mx, b, e, c);
  } else {
    adam_loop<AMSGRAD, DECOUPLED, false>(ps, gs, ms, vs, mx, b, e, c);
  }
}

}  // namespace

bool adam_range_f32_avx512(bool amsgrad, bool decoupled, float* ps, const float* gs, float* ms, float* vs,
                           float* mx, int64_t b, int64_t e, const kernels::AdamConstants<float>& c) {
  const kernels::AdamConstants<float> local = c;  // a copy cannot alias the arrays: the loop vectorizes
  if (amsgrad) {
    if (decoupled) adam_variant<true, true>(ps, gs, ms, vs, mx, b, e, local);
    else adam_variant<true, false>(ps, gs, ms, vs, mx, b, e, local);
  } else {
    if (decoupled) adam_variant<false, true>(ps, gs, ms, vs, mx, b, e, local);
    else adam_variant<false, false>(ps, gs, ms, vs, mx, b, e, local);
  }
  return true;
}

#else

// A compiler without these instruction sets: the baseline loop runs instead.
bool adam_range_f32_avx512(bool, bool, float*, const float*, float*, float*, float*, int64_t, int64_t,
                           const kernels::AdamConstants<float>&) {
  return false;
}

#endif

}  // namespace jdnn::cpu
