// kernels/exact_math.h against long-double references, and a digest of the normal stream.
//
// Accuracy: exact::log over the inputs the normal stream gives it ((v + 1) / 2^32 for every kind
// of v) and over random positive doubles of every exponent; exact::cos_turns over quadrant edges
// and random turns. Each must stay within 1 ulp of the reference (the largest error is printed).
//
// The digest (FNV-1a of the bits of 2^20 philox_normal values) is printed on a "digest" line.
// CMake builds this file three times: as the check (baseline x86-64), and digest-only with FMA
// instructions available, once with contraction off (as the library is built: the digest must
// not change) and once with contraction on (it does change: what -ffp-contract=off prevents).
// ExactMathTest compares the three.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>

#include "checks.h"
#include "kernels/philox.h"

namespace {

using jdnn::kernels::exact::cos_turns;
namespace exact = jdnn::kernels::exact;

uint64_t normal_digest() {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t i = 0; i < (1u << 20); ++i) {
    const double v = jdnn::kernels::philox_normal(jdnn::kernels::philox4x32_10(i, 0x5eed));
    const uint64_t b = exact::bits_of(v);
    for (int k = 0; k < 8; ++k) h = (h ^ ((b >> (8 * k)) & 0xff)) * 1099511628211ull;
  }
  return h;
}

#if !defined(JDNN_DIGEST_ONLY)

// |got - want| in units of the last place of a double near want (want != 0).
double ulps(double got, long double want) {
  int e = 0;
  std::frexp(static_cast<double>(want), &e);  // |want| in [2^(e-1), 2^e)
  const long double ulp = std::ldexp(1.0L, e - 53);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / ulp);
}

struct Worst {
  double ulps = 0;
  double at = 0;
  void see(double u, double x) {
    if (u > ulps) ulps = u, at = x;
  }
};

void check_log() {
  Worst worst;
  long differs_from_std = 0, n = 0;
  const auto one = [&](double x) {
    const double got = exact::log(x);
    const long double want = std::log(static_cast<long double>(x));
    ++n;
    if (got != std::log(x)) ++differs_from_std;
    if (want == 0) {
      CHECK(got == 0);
      return;
    }
    worst.see(ulps(got, want), x);
  };
  // The stream's inputs: (v + 1) / 2^32, the smallest and largest v, and random ones.
  for (uint64_t v = 0; v < 200000; ++v) one((static_cast<double>(v) + 1.0) * 0x1p-32);
  for (uint64_t v = 4294967295u - 200000; v <= 4294967295u; ++v) one((static_cast<double>(v) + 1.0) * 0x1p-32);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 3000000; ++i) one((static_cast<double>(rng() >> 32) + 1.0) * 0x1p-32);
  // Every exponent, subnormals included: random bit patterns of positive finite doubles.
  for (int i = 0; i < 2000000; ++i) {
    const uint64_t b = rng() & 0x7fffffffffffffffull;
    if ((b >> 52) != 0x7ff && b != 0) one(exact::from_bits(b));
  }
  for (double x : {1.0, 2.0, 0.5, 0x1p-32, 1 - 0x1p-32, 1 + 0x1p-52, 0x1.6a09e667f3bcdp+0, 0x1.6a09e667f3bcep+0,
                   0x1p-1074, 0x1p-1022, 1.7976931348623157e308})
    one(x);
  CHECK(exact::log(1.0) == 0.0);
  CHECK(worst.ulps < 1.0);
  std::printf("log: %ld inputs, largest error %.3f ulp (at %a), %ld differ from std::log\n", n, worst.ulps, worst.at,
              differs_from_std);
}

// cos(2 pi k / 2^32) in long double, reduced as exactly as the code under test reduces it.
long double cos_turns_reference(uint32_t k) {
  const uint64_t q = (static_cast<uint64_t>(k) + (1ull << 29)) >> 30;
  const long double x = static_cast<long double>(static_cast<int64_t>(k) - static_cast<int64_t>(q << 30)) / (1ull << 30);
  const long double t = 1.5707963267948966192313216916397514L * x;
  switch (q & 3) {
    case 0: return std::cos(t);
    case 1: return -std::sin(t);
    case 2: return -std::cos(t);
    default: return std::sin(t);
  }
}

void check_cos() {
  Worst worst, worst_cos, worst_sin;
  long n = 0;
  const auto one = [&](uint32_t k) {
    const double got = cos_turns(k);
    const long double want = cos_turns_reference(k);
    ++n;
    if (want == 0) {
      CHECK(got == 0);
      return;
    }
    const double u = ulps(got, want);
    worst.see(u, static_cast<double>(k));
    (((static_cast<uint64_t>(k) + (1ull << 29)) >> 30) & 1 ? worst_sin : worst_cos).see(u, static_cast<double>(k));
  };
  for (uint64_t edge = 0; edge <= 8; ++edge) {  // multiples of an eighth turn, where branches change
    const int64_t c = static_cast<int64_t>(edge << 29);
    for (int64_t d = -5000; d <= 5000; ++d) {
      const int64_t k = c + d;
      if (k >= 0 && k <= 0xffffffffll) one(static_cast<uint32_t>(k));
    }
  }
  std::mt19937_64 rng(2);
  for (int i = 0; i < 5000000; ++i) one(static_cast<uint32_t>(rng()));
  CHECK(worst.ulps < 1.0);
  // The reference's reduction against plain cosl where the angle's rounding does not matter.
  for (uint32_t k : {1u, 12345u, 1u << 28, 3u << 28, 0x9e3779b9u, 0xffffffffu}) {
    const long double plain = std::cos(6.2831853071795864769252867665590058L * k / 4294967296.0L);
    CHECK(std::fabs(plain - cos_turns_reference(k)) < 1e-17L);
  }
  CHECK(cos_turns(0) == 1.0 && cos_turns(1u << 31) == -1.0 && cos_turns(1u << 30) == 0.0);
  std::printf("cos_turns: %ld inputs, largest error %.3f ulp (at k = %.0f; %.3f where the cos polynomial "
              "serves, %.3f where the sin one does)\n", n, worst.ulps, worst.at, worst_cos.ulps, worst_sin.ulps);
}

// How far the exact stream moved from the one library log/cos gave before.
void compare_with_library_formula() {
  long same = 0;
  double most = 0;
  const long n = 1 << 20;
  for (long i = 0; i < n; ++i) {
    const auto r = jdnn::kernels::philox4x32_10(static_cast<uint64_t>(i), 0x5eed);
    const double u1 = (static_cast<double>(r.v[2]) + 1.0) * (1.0 / 4294967296.0);
    const double u2 = static_cast<double>(r.v[3]) * (1.0 / 4294967296.0);
    const double before = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    const double now = jdnn::kernels::philox_normal(r);
    if (before == now) ++same;
    most = std::fmax(most, std::fabs(before - now));
    CHECK(std::fabs(before - now) <= 1e-14 * std::fmax(1.0, std::fabs(before)));
  }
  std::printf("normal stream: %ld of %ld values equal to the library formula's, largest difference %.3g\n", same, n,
              most);
}

#endif

}  // namespace

int main() {
#if !defined(JDNN_DIGEST_ONLY)
  check_log();
  check_cos();
  compare_with_library_formula();
#endif
  std::printf("digest %016llx\n", static_cast<unsigned long long>(normal_digest()));
  return jdnn_test::checks_summary();  // "0 checks" in the digest-only builds
}
