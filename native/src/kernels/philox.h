// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11): a counter-based generator, so element i's random number is a pure
// function of (seed, counter) and every backend produces the same stream.
#pragma once
#include <cstdint>

#include "kernels/common.h"
#include "kernels/exact_math.h"

namespace jdnn::kernels {

struct Philox4 {
  uint32_t v[4];
};

JDNN_HD void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}

JDNN_HD Philox4 philox4x32_10(uint64_t counter, uint64_t seed) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(0xD2511F53u, c0, hi0, lo0);
    philox_mulhilo(0xCD9E8D57u, c2, hi1, lo1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// Uniform in [0, 1) with 53 random bits.
JDNN_HD double philox_uniform(const Philox4& r) {
  const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 21) ^ (r.v[1] >> 11);
  return static_cast<double>(bits & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}

// Standard normal by Box-Muller from two further words: sqrt(-2 log u1) cos(2 pi u2) with
// u1 = (v2 + 1) / 2^32 in (0, 1] (so log is finite) and u2 = v3 / 2^32. exact_math.h's log and
// cos use correctly rounded operations only, so every backend gives the same bits.
JDNN_HD double philox_normal(const Philox4& r) {
  const double u1 = (static_cast<double>(r.v[2]) + 1.0) * (1.0 / 4294967296.0);  // exact
  return exact::mul(exact::sqrt(exact::mul(-2.0, exact::log(u1))), exact::cos_turns(r.v[3]));
}

}  // namespace jdnn::kernels
