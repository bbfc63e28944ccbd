// The logarithm and cosine behind the normal random streams, written with IEEE-754 basic
// operations only (+, -, *, / and sqrt, each correctly rounded in double precision on x86-64
// and on NVIDIA GPUs) and integer bit manipulation, in a fixed order, so the CPU, the emulation
// and the GPU compute the same bits. Library log/cos do not promise that: glibc's and CUDA's
// differ by an ulp on some inputs. On the device every operation is an explicitly rounded
// intrinsic (__dadd_rn, __dmul_rn, ...), which nvcc never fuses into an FMA whatever its flags;
// host builds compile these files without FMA contraction (-ffp-contract=off, see CMake).
//
// Accuracy (native/test/exact_math_test.cpp, against long-double references): log within
// 1 ulp for every positive finite double tested, cos_turns within 1 ulp.
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/common.h"

namespace jdnn::kernels::exact {

JDNN_HD double add(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

JDNN_HD double sub(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}

JDNN_HD double mul(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

JDNN_HD double div(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}

JDNN_HD double sqrt(double a) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(a);
#else
  return std::sqrt(a);  // one correctly rounded instruction (sqrtsd) on x86-64
#endif
}

JDNN_HD uint64_t bits_of(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__double_as_longlong(x));
#else
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
#endif
}

JDNN_HD double from_bits(uint64_t b) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(b));
#else
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
#endif
}

// a * b = hi + lo exactly (Dekker's product over Veltkamp's split: plain multiplications and
// additions, no FMA), for |a|, |b| well inside the range (no overflow or underflow in the parts).
struct Pair {
  double hi, lo;
};

JDNN_HD Pair split(double a) {
  const double c = mul(0x1p27 + 1, a);
  const double hi = sub(c, sub(c, a));
  return Pair{hi, sub(a, hi)};
}

JDNN_HD Pair exact_product(double a, double b) {
  const Pair x = split(a), y = split(b);
  const double p = mul(a, b);
  const double e = add(add(add(sub(mul(x.hi, y.hi), p), mul(x.hi, y.lo)), mul(x.lo, y.hi)), mul(x.lo, y.lo));
  return Pair{p, e};
}

// Natural logarithm of a positive finite x (the callers pass (0, 1]; zero, negatives, infinities
// and NaN are outside its domain). x = 2^e m with m in [sqrt(1/2), sqrt(2)], f = m - 1 (exact),
// s = f / (2 + f); then log(m) = log(1 + f) = 2 atanh(s) = 2s + s R with R = sum over k >= 1 of
// 2 s^2k / (2k + 1), |s| <= 0.172. Written as f - (f^2/2 - s (f^2/2 + R)), so the large term f is
// exact and the rounding errors land in the small correction. Ten terms of R leave a truncation
// below 2^-60 relative. e ln 2 uses ln 2 split in two, the high part with 42 significant bits so
// that e times it is exact.
JDNN_HD double log(double x) {
  int e = 0;
  uint64_t b = bits_of(x);
  if ((b >> 52) == 0) {  // subnormal: scale into the normal range (exact)
    x = mul(x, 0x1p54);
    b = bits_of(x);
    e = -54;
  }
  e += static_cast<int>((b >> 52) & 0x7ff) - 1023;
  double m = from_bits((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull);  // [1, 2)
  if (m > 0x1.6a09e667f3bcdp+0) {  // above sqrt(2): halve (exact)
    m = mul(m, 0.5);
    e += 1;
  }
  const double f = sub(m, 1.0);  // exact (Sterbenz)
  const double s = div(f, add(2.0, f));
  const double z = mul(s, s);
  // 2 / (2k + 1), k = 1..10
  double r = 0x1.8618618618618p-4;
  r = add(0x1.af286bca1af28p-4, mul(z, r));
  r = add(0x1.e1e1e1e1e1e1ep-4, mul(z, r));
  r = add(0x1.1111111111111p-3, mul(z, r));
  r = add(0x1.3b13b13b13b14p-3, mul(z, r));
  r = add(0x1.745d1745d1746p-3, mul(z, r));
  r = add(0x1.c71c71c71c71cp-3, mul(z, r));
  r = add(0x1.2492492492492p-2, mul(z, r));
  r = add(0x1.999999999999ap-2, mul(z, r));
  r = add(0x1.5555555555555p-1, mul(z, r));
  r = mul(z, r);
  const double hfsq = mul(mul(0.5, f), f);
  const double de = static_cast<double>(e);
  constexpr double kLn2Hi = 0x1.62e42fefa3800p-1, kLn2Lo = 0x1.ef35793c76730p-45;
  return add(mul(de, kLn2Hi), sub(f, sub(hfsq, add(mul(s, add(hfsq, r)), mul(de, kLn2Lo)))));
}

// cos(2 pi k / 2^32): the angle is reduced exactly, in integers, to the nearest quarter turn q
// and a remainder x in [-1/2, 1/2) quarter turns, then cos((pi/2)(q + x)) is +-cos or +-sin of
// (pi/2) x, each a Taylor polynomial in x (|(pi/2) x| <= pi/4; the first omitted terms are below
// 2^-58 relative). Unlike cos(2 pi u) in floating point, no rounding of the angle is involved.
JDNN_HD double cos_turns(uint32_t k) {
  const uint64_t q = (static_cast<uint64_t>(k) + (1ull << 29)) >> 30;  // 0..4
  const int64_t rem = static_cast<int64_t>(k) - static_cast<int64_t>(q << 30);  // [-2^29, 2^29)
  const double x = mul(static_cast<double>(rem), 0x1p-30);  // exact
  const double y = mul(x, x);
  if ((q & 1) == 0) {
    // cos((pi/2) x) = 1 + a1 x^2 + x^4 (a2 + a3 x^2 + ...), a_j = (-1)^j (pi/2)^2j / (2j)!, j <= 8.
    // 1 + a1 x^2 reaches 0.69, so x^2 and a1 x^2 are formed exactly (as pairs) and the sum with 1
    // keeps its rounding error: the polynomial's errors then stay far below the result's ulp.
    double c = 0x1.20c62c2f2d7f5p-34;
    c = add(-0x1.b6e24f44b128fp-28, mul(y, c));
    c = add(0x1.f9d38a3763cc3p-22, mul(y, c));
    c = add(-0x1.a6d1f2a204a8cp-16, mul(y, c));
    c = add(0x1.e1f506891babbp-11, mul(y, c));
    c = add(-0x1.55d3c7e3cbffap-6, mul(y, c));
    c = add(0x1.03c1f081b5ac4p-2, mul(y, c));
    constexpr double kA1 = -0x1.3bd3cc9be45dep+0;
    const Pair x2 = exact_product(x, x);        // x2.hi is y
    const Pair a1x2 = exact_product(kA1, x2.hi);
    const double head = add(1.0, a1x2.hi);
    const double head_error = add(sub(1.0, head), a1x2.hi);  // exact, as |a1x2.hi| < 1
    const double tail = add(add(head_error, a1x2.lo), add(mul(kA1, x2.lo), mul(mul(y, y), c)));
    c = add(head, tail);
    return (q & 2) == 0 ? c : -c;
  }
  // sin((pi/2) x) = sum of (-1)^j (pi/2)^(2j+1) x^(2j+1) / (2j+1)!, j = 0..8. The leading term
  // uses pi/2 split in two, the high part with 23 significant bits so that x (at most 30) times it
  // is exact; everything else is a small correction to it.
  double s = 0x1.aaec32af93359p-38;
  s = add(-0x1.6fadb9f155744p-31, mul(y, s));
  s = add(0x1.e8f434d018d63p-25, mul(y, s));
  s = add(-0x1.e3074fde8871fp-19, mul(y, s));
  s = add(0x1.50783487ee782p-13, mul(y, s));
  s = add(-0x1.32d2cce62bd86p-8, mul(y, s));
  s = add(0x1.466bc6775aae2p-4, mul(y, s));
  s = add(-0x1.4abbce625be53p-1, mul(y, s));
  constexpr double kHalfPiHi = 0x1.921fb4p+0, kHalfPiLo = 0x1.4442d18469899p-24;
  s = add(mul(x, kHalfPiHi), mul(x, add(kHalfPiLo, mul(y, s))));
  return (q & 2) == 0 ? -s : s;  // q = 1: cos(pi/2 + t) = -sin t; q = 3: cos(3 pi/2 + t) = sin t
}

}  // namespace jdnn::kernels::exact
