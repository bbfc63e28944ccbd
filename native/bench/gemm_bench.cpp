// Standalone sgemm/dgemm benchmark and correctness check.
//
//   gemm_bench            correctness for every usable kernel, then GFLOP/s table
//   gemm_bench --check    correctness only
//   gemm_bench --perf     timings only
//
// Correctness compares against a naive triple loop accumulated in double, for all transpose
// combinations, edge sizes around the register/cache block sizes, padded leading dimensions,
// several alpha/beta pairs (beta == 0 with NaN-filled C), 1..3 threads, and the gemv paths.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "../src/cpu/gemm.h"
#include "../src/cpu/thread_pool.h"

using namespace jdnn::cpu;

namespace {

std::mt19937_64 g_rng(12345);

template <class T>
std::vector<T> random_vec(size_t n) {
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(g_rng));
  return v;
}

struct Case {
  bool ta, tb;
  int64_t M, N, K;
  double alpha, beta;
  int64_t pad;  // extra elements added to every leading dimension
};

// Storage geometry of op(X) (rows x cols) given its transpose flag.
struct Geo {
  int64_t stored_rows, stored_cols, ld;
};
Geo geometry(bool trans, int64_t rows, int64_t cols, int64_t pad) {
  const int64_t sr = trans ? cols : rows, sc = trans ? rows : cols;
  return {sr, sc, std::max<int64_t>(1, sc) + pad};
}

// Returns the number of bad elements (and prints the first few).
template <class T>
int run_case(const Case& c, const char* label) {
  const Geo ga = geometry(c.ta, c.M, c.K, c.pad), gb = geometry(c.tb, c.K, c.N, c.pad);
  const int64_t ldc = std::max<int64_t>(1, c.N) + c.pad;
  auto A = random_vec<T>(std::max<int64_t>(1, ga.stored_rows * ga.ld));
  auto B = random_vec<T>(std::max<int64_t>(1, gb.stored_rows * gb.ld));
  auto C0 = random_vec<T>(std::max<int64_t>(1, c.M * ldc));
  const T sentinel = T(777.25);
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      T& x = C0[i * ldc + j];
      if (j >= c.N) x = sentinel;  // padding columns must never be written
      else if (c.beta == 0) x = std::numeric_limits<T>::quiet_NaN();  // must not leak through
    }
  std::vector<T> C = C0;
  auto a_op = [&](int64_t i, int64_t k) { return c.ta ? A[k * ga.ld + i] : A[i * ga.ld + k]; };
  auto b_op = [&](int64_t k, int64_t j) { return c.tb ? B[j * gb.ld + k] : B[k * gb.ld + j]; };

  if constexpr (sizeof(T) == 4)
    sgemm(c.ta, c.tb, c.M, c.N, c.K, float(c.alpha), A.data(), ga.ld, B.data(), gb.ld,
          float(c.beta), C.data(), ldc);
  else
    dgemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), ga.ld, B.data(), gb.ld, c.beta, C.data(),
          ldc);

  const double eps = std::numeric_limits<T>::epsilon();
  int bad = 0;
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      const double got = C[i * ldc + j];
      double want, bound;
      if (j >= c.N) {
        want = sentinel;
        bound = 0;
      } else {
        double s = 0, sabs = 0;
        for (int64_t k = 0; k < c.K; ++k) {
          s += double(a_op(i, k)) * double(b_op(k, j));
          sabs += std::fabs(double(a_op(i, k)) * double(b_op(k, j)));
        }
        const double old = c.beta == 0 ? 0.0 : double(C0[i * ldc + j]);
        want = c.alpha * s + c.beta * old;
        // Worst-case rounding of a K-term sum plus the alpha/beta update.
        bound = (c.K + 4) * eps * (std::fabs(c.alpha) * sabs + std::fabs(c.beta * old)) + 1e-30;
      }
      if (!(std::fabs(got - want) <= bound)) {
        if (++bad <= 3)
          std::printf("  MISMATCH %s ta=%d tb=%d M=%lld N=%lld K=%lld a=%g b=%g pad=%lld at (%lld,%lld): got %.9g want %.9g\n",
                      label, c.ta, c.tb, (long long)c.M, (long long)c.N, (long long)c.K, c.alpha,
                      c.beta, (long long)c.pad, (long long)i, (long long)j, got, want);
      }
    }
  return bad;
}

std::vector<Case> correctness_cases() {
  const int64_t sizes[] = {1, 2, 5, 7, 13, 17, 31, 33, 127, 129};
  const int64_t ks[] = {1, 17, 260};  // 260 > KC: exercises the K split (beta then 1)
  const double ab[][2] = {{1, 0}, {0.5, -1.5}, {-2, 1}, {1.25, 0}};
  std::vector<Case> cases;
  int n = 0;
  for (int t = 0; t < 4; ++t)
    for (int64_t M : sizes)
      for (int64_t N : sizes)
        for (int64_t K : ks) {
          const auto& p = ab[n % 4];
          cases.push_back({bool(t & 1), bool(t & 2), M, N, K, p[0], p[1], (n / 4) % 3 == 0 ? 0 : 3});
          ++n;
        }
  // Bigger shapes crossing the MC / NC blocks, the MLP shapes, and the degenerate ones.
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    cases.push_back({ta, tb, 400, 3100, 70, 1, 0, 1});
    cases.push_back({ta, tb, 128, 512, 784, 1, 0, 0});
    cases.push_back({ta, tb, 512, 784, 128, 0.7, 0.3, 5});
    cases.push_back({ta, tb, 128, 10, 256, 1, 1, 0});
    cases.push_back({ta, tb, 5, 9, 0, 1, 0.5, 2});  // K == 0: C = beta*C
    cases.push_back({ta, tb, 5, 9, 0, 1, 0, 0});    // K == 0, beta == 0: zeros, even over NaN
    cases.push_back({ta, tb, 6, 7, 8, 0, 2, 1});    // alpha == 0
    cases.push_back({ta, tb, 0, 7, 8, 1, 0, 0});
    cases.push_back({ta, tb, 7, 0, 8, 1, 0, 0});
    cases.push_back({ta, tb, 1, 1000, 3000, 1, 0.5, 3});  // gemv paths, large enough to thread
    cases.push_back({ta, tb, 1000, 1, 3000, 1, 0.5, 3});
  }
  return cases;
}

int check_kernel(const char* kernel) {
  int bad_total = 0, runs = 0;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    for (const Case& c : correctness_cases()) {
      bad_total += run_case<float>(c, kernel) ? 1 : 0;
      ++runs;
    }
  }
  std::printf("sgemm[%s]: %d/%d cases passed\n", kernel, runs - bad_total, runs);
  return bad_total;
}

int check_dgemm() {
  int bad = 0, runs = 0;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Case& c : correctness_cases()) {
      if (c.M * c.N * c.K > 50'000'000) continue;
      bad += run_case<double>(c, "dgemm") ? 1 : 0;
      ++runs;
    }
  }
  std::printf("dgemm: %d/%d cases passed\n", runs - bad, runs);
  return bad;
}

template <class F>
bool throws_invalid(F f, const char* must_mention) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return std::strstr(e.what(), must_mention) != nullptr;
  }
  return false;
}

int check_errors() {
  float a[16] = {}, b[16] = {}, c[16] = {};
  int bad = 0;
  bad += !throws_invalid([&] { sgemm(false, false, -1, 2, 2, 1, a, 2, b, 2, 0, c, 2); }, "M must be >= 0 (got -1)");
  bad += !throws_invalid([&] { sgemm(false, false, 2, 2, -3, 1, a, 2, b, 2, 0, c, 2); }, "K must be >= 0 (got -3)");
  bad += !throws_invalid([&] { sgemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2); }, "lda");
  bad += !throws_invalid([&] { sgemm(true, false, 4, 2, 2, 1, a, 3, b, 2, 0, c, 2); }, "lda");
  bad += !throws_invalid([&] { sgemm(false, true, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2); }, "ldb");
  bad += !throws_invalid([&] { sgemm(false, false, 2, 3, 2, 1, a, 2, b, 3, 0, c, 2); }, "ldc");
  bad += !throws_invalid([&] { dgemm(false, false, 2, -2, 2, 1, nullptr, 2, nullptr, 2, 0, nullptr, 2); }, "N must be >= 0 (got -2)");
  bad += !throws_invalid([] { set_num_threads(0); }, "got 0");
  std::printf("argument checks: %s\n", bad ? "FAILED" : "ok");
  return bad;
}

int check_pool() {
  int bad = 0;
  set_num_threads(2);
  // Exceptions propagate to the caller; nested calls run inline without deadlock.
  bad += !throws_invalid([] {
    parallel_for(100, 1, [](int64_t b, int64_t) {
      if (b > 0) throw std::invalid_argument("boom");
    });
  }, "boom");
  std::vector<int> hits(1000, 0);
  parallel_for(10, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      parallel_for(100, 1, [&](int64_t b2, int64_t e2) {
        for (int64_t j = b2; j < e2; ++j) hits[i * 100 + j]++;
      });
  });
  bad += std::count(hits.begin(), hits.end(), 1) != 1000;
  std::printf("thread pool checks: %s\n", bad ? "FAILED" : "ok");
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Performance.

#if defined(__x86_64__)
// Machine peak estimate: 24 independent AVX-512 FMA chains (enough to cover latency x ports),
// i.e. the best any sgemm kernel could do. Compiled for AVX-512 via the target attribute only;
// called after a CPUID check.
__attribute__((target("avx512f,fma"))) double fma_peak_gflops(int64_t iters) {
  __m512 acc[24];
#pragma GCC unroll 24
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(1.0f + i * 1e-3f);  // distinct, or GCC merges equal chains
  const __m512 mul = _mm512_set1_ps(0.999f), add = _mm512_set1_ps(1e-3f);  // converges to 1
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
  }
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float sink = 0;
  alignas(64) float tmp[16];
#pragma GCC unroll 24
  for (int i = 0; i < 24; ++i) {
    _mm512_store_ps(tmp, acc[i]);
    sink += tmp[0];
  }
  if (sink == 42.0f) std::printf(" ");  // keeps the loop alive
  return 24.0 * 32.0 * iters / sec / 1e9;
}
#endif

// Measured AVX-512 FMA peak, per core and for 2 threads (0 if unavailable).
double g_peak1 = 0, g_peak2 = 0;

void print_peak() {
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx512f")) return;
  // Best of 5 short runs: the machine may be shared, and the peak is a property of the core.
  const int64_t iters = 4'000'000;
  double one = 0, two = 0;
  for (int rep = 0; rep < 5; ++rep) {
    one = std::max(one, fma_peak_gflops(iters));
    double other = 0;
    std::thread t([&] { other = fma_peak_gflops(iters); });
    const double mine = fma_peak_gflops(iters);
    t.join();
    two = std::max(two, mine + other);
  }
  g_peak1 = one;
  g_peak2 = two;
  std::printf("\nAVX-512 FMA peak (measured, best of 5): %.1f GFLOP/s on 1 core, %.1f on 2 threads\n",
              one, two);
#endif
}

struct Shape {
  const char* name;
  bool ta, tb;
  int64_t M, N, K;
};

struct Rate {
  double median, best;
};

// GFLOP/s over 9 timed runs after warm-up; each run repeats the call to last >= ~2 ms. The best
// run is reported too: on a shared machine it is the better estimate of what the code can do.
Rate measure(const Shape& s, int threads) {
  set_num_threads(threads);
  const int64_t lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
  auto A = random_vec<float>(s.M * s.K), B = random_vec<float>(s.K * s.N);
  std::vector<float> C(s.M * s.N, 0.0f);
  auto call = [&] {
    sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
  };
  const double flops = 2.0 * s.M * s.N * s.K;
  const int reps = std::max(1, static_cast<int>(2.0e8 / flops));
  for (int i = 0; i < 3; ++i) call();  // warm-up: buffers, pool, caches
  std::vector<double> rates;
  for (int run = 0; run < 9; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) call();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(flops * reps / sec / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2], rates.back()};
}

void perf_table(const char* kernel) {
  const Shape shapes[] = {
      {"fwd  L1 [128x784]*[512x784]^T", false, true, 128, 512, 784},
      {"fwd  L2 [128x512]*[256x512]^T", false, true, 128, 256, 512},
      {"fwd  L3 [128x256]*[10x256]^T", false, true, 128, 10, 256},
      {"dX   L1 [128x512]*[512x784]", false, false, 128, 784, 512},
      {"dX   L2 [128x256]*[256x512]", false, false, 128, 512, 256},
      {"dX   L3 [128x10]*[10x256]", false, false, 128, 256, 10},
      {"dW   L1 [128x512]^T*[128x784]", true, false, 512, 784, 128},
      {"dW   L2 [128x256]^T*[128x512]", true, false, 256, 512, 128},
      {"dW   L3 [128x10]^T*[128x256]", true, false, 10, 256, 128},
      {"gemv [1x784]*[512x784]^T", false, true, 1, 512, 784},
      {"square 1024", false, false, 1024, 1024, 1024},
      {"square 2048", false, false, 2048, 2048, 2048},
      {"square 2048 (A^T, B^T)", true, true, 2048, 2048, 2048},
  };
  // Percentages are of the measured AVX-512 FMA peak (1 core / 2 threads).
  const bool pct = std::strcmp(kernel, "avx512") == 0 && g_peak1 > 0;
  std::printf("\nGFLOP/s, kernel %s: median (best) of 9 runs after warm-up%s\n", kernel,
              pct ? "; [% of measured FMA peak, from the median]" : "");
  std::printf("%-32s %22s %22s\n", "shape", "1 thread", "2 threads");
  for (const Shape& s : shapes) {
    const Rate r1 = measure(s, 1), r2 = measure(s, 2);
    char c1[32], c2[32];
    std::snprintf(c1, sizeof c1, "%.1f (%.1f)", r1.median, r1.best);
    std::snprintf(c2, sizeof c2, "%.1f (%.1f)", r2.median, r2.best);
    if (pct)
      std::printf("%-32s %15s [%3.0f%%] %15s [%3.0f%%]\n", s.name, c1, 100 * r1.median / g_peak1, c2,
                  100 * r2.median / g_peak2);
    else
      std::printf("%-32s %22s %22s\n", s.name, c1, c2);
  }

}

}  // namespace

int main(int argc, char** argv) {
  const bool check = argc < 2 || std::strcmp(argv[1], "--perf") != 0;
  const bool perf = argc < 2 || std::strcmp(argv[1], "--check") != 0;
  const std::string start = sgemm_kernel_name();
  std::printf("default kernel: %s, hardware threads: %d\n", start.c_str(), num_threads());
  int bad = 0;
  if (check) {
    bad += check_errors() + check_pool();
    for (const char* k : {"generic", "avx2", "avx512"}) {
      if (!detail::sgemm_force_kernel(k)) {
        std::printf("sgemm[%s]: not available on this CPU/build, skipped\n", k);
        continue;
      }
      bad += check_kernel(k);
    }
    bad += check_dgemm();
    std::printf("correctness: %s\n", bad ? "FAILED" : "all passed");
  }
  if (perf) {
    print_peak();
    for (const char* k : {"avx512", "avx2"}) {
      if (detail::sgemm_force_kernel(k)) perf_table(k);
    }
  }
  detail::sgemm_force_kernel(start.c_str());
  return bad ? 1 : 0;
}
