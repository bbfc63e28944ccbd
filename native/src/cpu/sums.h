// Row sums for the CPU reductions of conv (bias gradient) and batch norm (statistics, gradients).
// Accumulation is in double like every jdnn sum, over 8 independent accumulators held in
// 2-wide double vectors (GCC/Clang vector extensions, so SSE2 on baseline x86-64 and NEON on
// ARM): a single serial chain of double adds would cost an add latency (~4 cycles) per element,
// several times the cost of streaming the data, and the compiler will not reorder a scalar
// floating-point reduction itself. The order is fixed, so results do not depend on thread counts.
#pragma once
#include <cstdint>

namespace jdnn::cpu {

namespace sums_detail {
typedef double v2d __attribute__((vector_size(16)));

template <class T>
inline v2d load2(const T* p) {
  return v2d{static_cast<double>(p[0]), static_cast<double>(p[1])};
}

inline double total(v2d a0, v2d a1, v2d a2, v2d a3) {
  const v2d a = (a0 + a1) + (a2 + a3);
  return a[0] + a[1];
}
}  // namespace sums_detail

// sum v[i]
template <class T>
inline double row_sum(const T* v, int64_t n) {
  using namespace sums_detail;
  v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 += load2(v + i);
    a1 += load2(v + i + 2);
    a2 += load2(v + i + 4);
    a3 += load2(v + i + 6);
  }
  double tail = 0;
  for (; i < n; ++i) tail += static_cast<double>(v[i]);
  return total(a0, a1, a2, a3) + tail;
}

// s1 += sum (v[i] - shift), s2 += sum (v[i] - shift)^2
template <class T>
inline void row_shifted_moments(const T* v, int64_t n, double shift, double& s1, double& s2) {
  using namespace sums_detail;
  const v2d sh = {shift, shift};
  v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v2d d0 = load2(v + i) - sh, d1 = load2(v + i + 2) - sh;
    const v2d d2 = load2(v + i + 4) - sh, d3 = load2(v + i + 6) - sh;
    a0 += d0;
    a1 += d1;
    a2 += d2;
    a3 += d3;
    b0 += d0 * d0;
    b1 += d1 * d1;
    b2 += d2 * d2;
    b3 += d3 * d3;
  }
  double ta = 0, tb = 0;
  for (; i < n; ++i) {
    const double d = static_cast<double>(v[i]) - shift;
    ta += d;
    tb += d * d;
  }
  s1 += total(a0, a1, a2, a3) + ta;
  s2 += total(b0, b1, b2, b3) + tb;
}

// s1 += sum g[i], s2 += sum g[i] (x[i] - center)
template <class T>
inline void row_grad_moments(const T* g, const T* x, int64_t n, double center, double& s1, double& s2) {
  using namespace sums_detail;
  const v2d c = {center, center};
  v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v2d g0 = load2(g + i), g1 = load2(g + i + 2), g2 = load2(g + i + 4), g3 = load2(g + i + 6);
    a0 += g0;
    a1 += g1;
    a2 += g2;
    a3 += g3;
    b0 += g0 * (load2(x + i) - c);
    b1 += g1 * (load2(x + i + 2) - c);
    b2 += g2 * (load2(x + i + 4) - c);
    b3 += g3 * (load2(x + i + 6) - c);
  }
  double ta = 0, tb = 0;
  for (; i < n; ++i) {
    const double gv = static_cast<double>(g[i]);
    ta += gv;
    tb += gv * (static_cast<double>(x[i]) - center);
  }
  s1 += total(a0, a1, a2, a3) + ta;
  s2 += total(b0, b1, b2, b3) + tb;
}

}  // namespace jdnn::cpu
