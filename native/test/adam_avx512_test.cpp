// The AVX-512 Adam loop (cpu/optim_adam_avx512.cpp) against kernels::adam_update run one element
// at a time in this baseline x86-64 program: every bit of the parameter, both moments and the
// AMSGrad maximum must agree, for all four variants (AMSGrad, decoupled weight decay), both
// branches of lerp (beta1 above and below 0.5), with and without weight decay, first and later
// steps, ranges that start and end inside a vector, and inputs with NaN, infinities, signed zeros
// and subnormals. Run by AdamAvx512Test; prints "skipped: ..." on a CPU without AVX-512.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "checks.h"
#include "cpu/optim_adam_avx512.h"
#include "kernels/optim.h"

namespace {

bool has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> values(std::mt19937& rng, size_t n, float scale) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  // special values at fixed places, some inside the vector body, some in the tail
  const float specials[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f, -1e-42f, 3e38f};
  for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); ++k) v[(k * 97 + 5) % n] = specials[k];
  return v;
}

template <bool AMSGRAD, bool DECOUPLED>
void reference(std::vector<float>& p, const std::vector<float>& g, std::vector<float>& m, std::vector<float>& v,
               std::vector<float>& mx, int64_t b, int64_t e, const jdnn::kernels::AdamConstants<float>& c) {
  float scratch = 0.0f;
  for (int64_t i = b; i < e; ++i)
    jdnn::kernels::adam_update<AMSGRAD, DECOUPLED>(p[i], g[i], m[i], v[i], AMSGRAD ? mx[i] : scratch, c);
}

void compare(bool amsgrad, bool decoupled, double beta1, double wd, int64_t step, int64_t b, int64_t e, unsigned seed) {
  const size_t n = 1000 + 13;
  std::mt19937 rng(seed);
  const std::vector<float> g = values(rng, n, 0.1f);
  std::vector<float> p = values(rng, n, 1.0f), m = values(rng, n, 0.01f), v = values(rng, n, 1e-4f);
  for (float& x : v) x = std::fabs(x);  // a second moment is never negative (NaN stays NaN)
  std::vector<float> mx = v;
  for (float& x : mx) x *= 1.5f;
  std::vector<float> p2 = p, m2 = m, v2 = v, mx2 = mx;
  const jdnn::kernels::AdamConstants<float> c(
      jdnn::kernels::adam_params(1e-3, beta1, 0.999, 1e-8, wd, step, amsgrad, decoupled));
  if (amsgrad) {
    if (decoupled) reference<true, true>(p, g, m, v, mx, b, e, c);
    else reference<true, false>(p, g, m, v, mx, b, e, c);
  } else {
    if (decoupled) reference<false, true>(p, g, m, v, mx, b, e, c);
    else reference<false, false>(p, g, m, v, mx, b, e, c);
  }
  const bool ran = jdnn::cpu::adam_range_f32_avx512(amsgrad, decoupled, p2.data(), g.data(), m2.data(), v2.data(),
                                                    mx2.data(), b, e, c);
  CHECK(ran);
  const bool ok = same_bits(p, p2) && same_bits(m, m2) && same_bits(v, v2) && same_bits(mx, mx2);
  if (!ok) {
    std::printf("mismatch: amsgrad %d decoupled %d beta1 %g wd %g step %lld range [%lld, %lld)\n", amsgrad, decoupled,
                beta1, wd, static_cast<long long>(step), static_cast<long long>(b), static_cast<long long>(e));
  }
  CHECK(ok);
}

}  // namespace

int main() {
  if (!has_avx512()) {
    std::printf("skipped: this CPU has no AVX-512 (F, BW, VL, DQ with FMA and AVX2), so the loop never runs here\n");
    return jdnn_test::checks_summary();
  }
  unsigned seed = 1;
  for (int amsgrad = 0; amsgrad < 2; ++amsgrad)
    for (int decoupled = 0; decoupled < 2; ++decoupled)
      for (double beta1 : {0.9, 0.3})
        for (double wd : {0.0, 0.01})
          for (int64_t step : {1, 7})
            for (auto [b, e] : {std::pair<int64_t, int64_t>{0, 1013}, {3, 1000}, {17, 30}})
              compare(amsgrad != 0, decoupled != 0, beta1, wd, step, b, e, seed++);
  return jdnn_test::checks_summary();
}
