// sgemm/dgemm front end: argument checks, kernel dispatch, GotoBLAS-style blocking and threading,
// plus the portable ("generic") kernel. The SIMD kernels live in gemm_avx2.cpp / gemm_avx512.cpp.
//
// Blocking (per thread):  for jc (NC cols of C)  ->  for pc (KC of K): pack B block
//                            -> for ic (MC rows): pack A block -> macro kernel (micro tiles).
// Threads get disjoint rectangles of C, each running the loop above with its own packing
// buffers, so no synchronisation is needed inside a call.
//
// Over 400 lines on purpose: blocking, packing and threading of one GEMM read as one loop nest;
// the per-ISA kernels are already in their own files.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "thread_pool.h"

namespace jdnn::cpu {
namespace detail {
namespace {

// ---------------------------------------------------------------------------------------------
// Portable kernel: plain loops the compiler vectorises for the x86-64 baseline (SSE2).
// 4x8 keeps the 32 accumulators in 8 of the 16 xmm registers.

constexpr int GMR = 4;
constexpr int GNR = 8;

void generic_micro(int rows, int cols, int64_t kc, const float* a, const float* b, float* c,
                   int64_t ldc, float alpha, float beta) {
  float acc[GMR][GNR] = {};
  for (int64_t k = 0; k < kc; ++k, a += GMR, b += GNR)
    for (int r = 0; r < GMR; ++r)
      for (int j = 0; j < GNR; ++j) acc[r][j] += a[r] * b[j];
  for (int r = 0; r < rows; ++r) {
    float* row = c + r * ldc;
    for (int j = 0; j < cols; ++j)
      row[j] = beta == 0.0f ? alpha * acc[r][j] : alpha * acc[r][j] + beta * row[j];
  }
}

void generic_macro(int64_t mc, int64_t nc, int64_t kc, float alpha, const float* ap,
                   const float* bp, float beta, float* c, int64_t ldc) {
  for (int64_t j = 0; j < nc; j += GNR)
    for (int64_t i = 0; i < mc; i += GMR)
      generic_micro(static_cast<int>(std::min<int64_t>(GMR, mc - i)),
                    static_cast<int>(std::min<int64_t>(GNR, nc - j)), kc, ap + i * kc, bp + j * kc,
                    c + i * ldc + j, ldc, alpha, beta);
}

// Shared by both operands: copies a `lanes`-wide strip into panels of width w (zero padded).
// Element (k, l) of the strip is src[l*ls + k*ks].
void pack_strip(const float* src, int64_t ls, int64_t ks, int64_t lanes, int64_t kc, int w,
                float* dst) {
  for (int64_t l0 = 0; l0 < lanes; l0 += w, dst += w * kc) {
    const int64_t n = std::min<int64_t>(w, lanes - l0);
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * w;
      for (int64_t l = 0; l < n; ++l) d[l] = src[(l0 + l) * ls + k * ks];
      for (int64_t l = n; l < w; ++l) d[l] = 0.0f;
    }
  }
}

void generic_pack_a(bool trans, const float* a, int64_t lda, int64_t mc, int64_t kc, float* dst) {
  if (trans) pack_strip(a, 1, lda, mc, kc, GMR, dst);
  else pack_strip(a, lda, 1, mc, kc, GMR, dst);
}

void generic_pack_b(bool trans, const float* b, int64_t ldb, int64_t kc, int64_t nc, float* dst) {
  if (trans) pack_strip(b, ldb, 1, nc, kc, GNR, dst);
  else pack_strip(b, 1, ldb, nc, kc, GNR, dst);
}

void generic_dot_rows(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x,
                      float* out) {
  for (int64_t j = 0; j < n; ++j) {
    const float* row = mat + j * ld;
    float part[8] = {};  // independent partial sums let the compiler vectorise without -ffast-math
    int64_t p = 0;
    for (; p + 8 <= k; p += 8)
      for (int l = 0; l < 8; ++l) part[l] += row[p + l] * x[p + l];
    float s = 0.0f;
    for (; p < k; ++p) s += row[p] * x[p];
    for (int l = 0; l < 8; ++l) s += part[l];
    out[j] = s;
  }
}

void generic_axpy_rows(int64_t n, int64_t k, const float* mat, int64_t ld, const float* x,
                       int64_t incx, float* out) {
  std::fill(out, out + n, 0.0f);
  for (int64_t p = 0; p < k; ++p) {
    const float xv = x[p * incx];
    const float* row = mat + p * ld;
    for (int64_t j = 0; j < n; ++j) out[j] += xv * row[j];
  }
}

constexpr SgemmKernel kGeneric = {"generic", GMR, GNR, /*mc=*/128, /*kc=*/256, /*nc=*/2048,
                                  generic_pack_a, generic_pack_b, generic_macro,
                                  generic_dot_rows, generic_axpy_rows};

// ---------------------------------------------------------------------------------------------
// Kernel selection: once, by CPUID, overridable with JDNN_GEMM_KERNEL=generic|avx2|avx512.

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

// The kernel called `name` if this CPU and build can run it, else nullptr.
const SgemmKernel* usable_kernel(const std::string& name) {
  if (name == "generic") return &kGeneric;
  if (name == "avx2") return cpu_has_avx2() ? sgemm_kernel_avx2() : nullptr;
  if (name == "avx512") return cpu_has_avx512() ? sgemm_kernel_avx512() : nullptr;
  return nullptr;
}

const SgemmKernel* best_kernel() {
  for (const char* name : {"avx512", "avx2"})
    if (const SgemmKernel* k = usable_kernel(name)) return k;
  return &kGeneric;
}

const SgemmKernel* initial_kernel() {
  // An override the CPU cannot run falls back to the best kernel rather than crashing.
  if (const char* env = std::getenv("JDNN_GEMM_KERNEL"))
    if (const SgemmKernel* k = usable_kernel(env)) return k;
  return best_kernel();
}

std::atomic<const SgemmKernel*>& kernel_slot() {
  static std::atomic<const SgemmKernel*> slot{initial_kernel()};
  return slot;
}

}  // namespace

const SgemmKernel* sgemm_kernel_generic() { return &kGeneric; }

bool sgemm_force_kernel(const char* name) {
  const SgemmKernel* k = name ? usable_kernel(name) : nullptr;
  if (k) kernel_slot().store(k);
  return k != nullptr;
}

}  // namespace detail

namespace {

using detail::SgemmKernel;

// ---------------------------------------------------------------------------------------------
// Argument checking (shared by sgemm and dgemm).

[[noreturn]] void bad_arg(const char* fn, const std::string& what) {
  throw std::invalid_argument(std::string(fn) + ": " + what);
}

void check_args(const char* fn, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                const void* A, int64_t lda, const void* B, int64_t ldb, const void* C, int64_t ldc) {
  auto need_nonneg = [&](const char* name, int64_t v) {
    if (v < 0) bad_arg(fn, std::string(name) + " must be >= 0 (got " + std::to_string(v) + ")");
  };
  need_nonneg("M", M);
  need_nonneg("N", N);
  need_nonneg("K", K);
  auto need_ld = [&](const char* name, int64_t ld, int64_t cols, const char* what) {
    const int64_t min_ld = std::max<int64_t>(1, cols);
    if (ld < min_ld)
      bad_arg(fn, std::string(name) + " must be >= max(1, " + what + ") = " +
                      std::to_string(min_ld) + " (got " + std::to_string(ld) + ")");
  };
  need_ld("lda", lda, ta ? M : K, ta ? "M" : "K");
  need_ld("ldb", ldb, tb ? K : N, tb ? "K" : "N");
  need_ld("ldc", ldc, N, "N");
  if (M > 0 && N > 0) {
    if (C == nullptr) bad_arg(fn, "C must not be null");
    if (K > 0 && (A == nullptr || B == nullptr)) bad_arg(fn, "A and B must not be null");
  }
}

// C = beta * C over M x N (beta == 0 writes zeros without reading C).
template <class T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < M; ++i) {
    T* row = C + i * ldc;
    if (beta == T(0)) std::fill(row, row + N, T(0));
    else for (int64_t j = 0; j < N; ++j) row[j] *= beta;
  }
}

// ---------------------------------------------------------------------------------------------
// Packing buffers: a few per thread, grown on demand and kept, so steady-state calls neither
// allocate nor page-fault.

class AlignedBuffer {
 public:
  ~AlignedBuffer() { std::free(p_); }
  float* get(size_t n) {
    if (n > cap_) {
      std::free(p_);
      cap_ = 0;
      // Round up to whole cache lines; panels are read with aligned 64-byte loads.
      const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      p_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p_) throw std::bad_alloc();
      cap_ = n;
    }
    return p_;
  }

 private:
  float* p_ = nullptr;
  size_t cap_ = 0;
};

thread_local AlignedBuffer t_pack_a, t_pack_b, t_vec;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// Splits `total` into the fewest blocks of at most `max_block`, of near-equal size rounded up to
// `multiple`, so the last block is not a sliver (e.g. K=784 -> 4 x 196, not 3 x 256 + 16).
int64_t balanced_block(int64_t total, int64_t max_block, int64_t multiple) {
  const int64_t blocks = ceil_div(total, max_block);
  return std::min(round_up(ceil_div(total, blocks), multiple), round_up(total, multiple));
}

struct Problem {
  bool ta, tb;
  int64_t M, N, K;
  float alpha;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float beta;
  float* C;
  int64_t ldc;
  const float* bias = nullptr;  // epilogue (sgemm_bias_act): C = act(C + bias)
  bool relu = false;

  bool has_epilogue() const { return bias != nullptr || relu; }
  // Applies the epilogue to rows [i0,i1) x cols [j0,j1) of C.
  void finish(int64_t i0, int64_t i1, int64_t j0, int64_t j1) const {
    if (!has_epilogue()) return;
    for (int64_t i = i0; i < i1; ++i) {
      float* row = C + i * ldc;
      if (bias != nullptr)
        for (int64_t j = j0; j < j1; ++j) row[j] += bias[j];
      if (relu)  // kernels::Relu's rule: NaN, which compares false, passes through
        for (int64_t j = j0; j < j1; ++j) row[j] = row[j] <= 0.0f ? 0.0f : row[j];
    }
  }

  const float* a_at(int64_t i, int64_t k) const { return ta ? A + k * lda + i : A + i * lda + k; }
  const float* b_at(int64_t k, int64_t j) const { return tb ? B + j * ldb + k : B + k * ldb + j; }
};

// Computes the rectangle rows [i0,i1) x cols [j0,j1) of C on the calling thread.
void gemm_block(const SgemmKernel& kr, const Problem& p, int64_t i0, int64_t i1, int64_t j0,
                int64_t j1) {
  const int64_t m = i1 - i0, n = j1 - j0;
  const int64_t kc_step = balanced_block(p.K, kr.kc, 1);
  const int64_t mc_step = balanced_block(m, kr.mc, kr.mr);
  const int64_t nc_step = balanced_block(n, kr.nc, kr.nr);
  float* bbuf = t_pack_b.get(static_cast<size_t>(kc_step * nc_step));
  float* abuf = t_pack_a.get(static_cast<size_t>(kc_step * mc_step));
  for (int64_t jc = j0; jc < j1; jc += nc_step) {
    const int64_t nc = std::min(nc_step, j1 - jc);
    for (int64_t pc = 0; pc < p.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, p.K - pc);
      kr.pack_b(p.tb, p.b_at(pc, jc), p.ldb, kc, nc, bbuf);
      const float beta = pc == 0 ? p.beta : 1.0f;  // later K blocks accumulate
      for (int64_t ic = i0; ic < i1; ic += mc_step) {
        const int64_t mc = std::min(mc_step, i1 - ic);
        kr.pack_a(p.ta, p.a_at(ic, pc), p.lda, mc, kc, abuf);
        kr.macro(mc, nc, kc, p.alpha, abuf, bbuf, beta, p.C + ic * p.ldc + jc, p.ldc);
      }
    }
    p.finish(i0, i1, jc, jc + nc);  // this column block is complete and still in cache
  }
}

// ---------------------------------------------------------------------------------------------
// Threading.

// Below this much work per thread, waking a worker (~10-15 us) costs more than it saves.
constexpr double kMinFlopsPerThread = 3.0e6;

int64_t useful_threads(int64_t M, int64_t N, int64_t K) {
  const double flops = 2.0 * M * N * K;
  return std::min<int64_t>(num_threads(),
                           std::max<int64_t>(1, static_cast<int64_t>(flops / kMinFlopsPerThread)));
}

// Threads get a tm x tn grid of C rectangles, one each, and run gemm_block on it; for the MLP
// shapes (M = 128 < N) that is a split of N, so each thread packs only its half of B. (Tried: packing
// A once and sharing it while threads take narrow column tasks from a counter; it measured ~10%
// slower on the MLP shapes, because narrow tasks reuse each A micro-panel less.)
struct Grid {
  int64_t tm = 1, tn = 1;
};

// Picks the grid minimising the per-thread cost: padded micro-tile work plus packing, where a
// thread packs its rows of A and its columns of B (splitting N duplicates A packing, splitting M
// duplicates B packing).
Grid plan_grid(const SgemmKernel& kr, int64_t M, int64_t N, int64_t K, int64_t threads) {
  const int64_t mtiles = ceil_div(M, kr.mr), ntiles = ceil_div(N, kr.nr);
  Grid best;
  double best_cost = -1.0;
  for (int64_t tm = 1; tm <= threads; ++tm) {
    const int64_t tn = threads / tm;
    if (tm > mtiles || tn > ntiles) continue;
    const double rows = static_cast<double>(ceil_div(mtiles, tm) * kr.mr);
    const double cols = static_cast<double>(ceil_div(ntiles, tn) * kr.nr);
    // One packed element costs roughly as much as a few dozen flops of the micro-kernel.
    const double cost = 2.0 * rows * cols * K + 40.0 * K * (rows + cols);
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = Grid{tm, tn};
    }
  }
  return best;
}

void gemm_packed(const SgemmKernel& kr, const Problem& p) {
  const Grid g = plan_grid(kr, p.M, p.N, p.K, useful_threads(p.M, p.N, p.K));
  if (g.tm * g.tn == 1) {
    gemm_block(kr, p, 0, p.M, 0, p.N);
    return;
  }
  // Rectangle edges fall on micro-tile boundaries so only the last one has partial tiles.
  const int64_t rstep = ceil_div(ceil_div(p.M, kr.mr), g.tm) * kr.mr;
  const int64_t cstep = ceil_div(ceil_div(p.N, kr.nr), g.tn) * kr.nr;
  parallel_for(g.tm * g.tn, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = (t / g.tn) * rstep, j0 = (t % g.tn) * cstep;
      if (i0 < p.M && j0 < p.N)
        gemm_block(kr, p, i0, std::min(p.M, i0 + rstep), j0, std::min(p.N, j0 + cstep));
    }
  });
}


// ---------------------------------------------------------------------------------------------
// Matrix-vector shapes (M == 1 or N == 1): packing would cost as much as the product itself.

// y[j*incy] = alpha * out[j] + beta * y[j*incy], for a raw result `out`.
void finish_vector(int64_t n, float alpha, const float* out, float beta, float* y, int64_t incy) {
  for (int64_t j = 0; j < n; ++j) {
    float& dst = y[j * incy];
    dst = beta == 0.0f ? alpha * out[j] : alpha * out[j] + beta * dst;
  }
}

// Matrices at least this large get a matrix-vector product split across threads.
constexpr double kGemvSplitBytes = 256.0 * 1024;

// y = alpha * Mat * x + beta * y where Mat (n x k) is rows_contig ? mat[j*ld + p] : mat[p*ld + j].
// `row_of_c` >= 0: y is that row of p's C, and p's epilogue is applied to each finished chunk.
void gemv(const SgemmKernel& kr, bool rows_contig, int64_t n, int64_t k, float alpha,
          const float* mat, int64_t ld, const float* x, int64_t incx, float beta, float* y,
          int64_t incy, const Problem* p = nullptr, int64_t row_of_c = -1) {
  // A matrix-vector product reads every matrix element once, so it is bound by memory, not flops.
  // Split across threads once the matrix outgrows a core's share of cache (W1's 784x512 layer at
  // batch 1 is 1.6 MB): each core then streams half from its own L2, which beats a worker wake-up.
  const bool big = static_cast<double>(n) * k * sizeof(float) >= kGemvSplitBytes;
  const int64_t grain = big ? std::max<int64_t>(16, n / num_threads())
                            : std::max<int64_t>(64, static_cast<int64_t>(kMinFlopsPerThread / (2.0 * k)));
  parallel_for(n, grain, [&](int64_t j0, int64_t j1) {
    const int64_t len = j1 - j0;
    float* xbuf = nullptr;
    if (rows_contig && incx != 1) {  // dot products want a contiguous x
      xbuf = t_pack_a.get(static_cast<size_t>(k));
      for (int64_t p = 0; p < k; ++p) xbuf[p] = x[p * incx];
    }
    float* out = t_vec.get(static_cast<size_t>(len));
    if (rows_contig) kr.dot_rows(len, k, mat + j0 * ld, ld, xbuf ? xbuf : x, out);
    else kr.axpy_rows(len, k, mat + j0, ld, x, incx, out);
    finish_vector(len, alpha, out, beta, y + j0 * incy, incy);
    if (p != nullptr && row_of_c >= 0) p->finish(row_of_c, row_of_c + 1, j0, j1);
  });
}

// Up to this many rows (columns) of C, one matrix-vector product per row (column) beats packing.
// Measured (AVX-512, K=784): M=2 ~22 GFLOP/s packed vs ~30 as two products, M=4 packed wins;
// N=4 ~19 packed vs ~30, N=6 about even (packing all of A is what hurts narrow C).
constexpr int64_t kMaxGemvRows = 2;
constexpr int64_t kMaxGemvCols = 5;

bool try_gemv(const SgemmKernel& kr, const Problem& p) {
  if (p.M <= kMaxGemvRows) {  // each C row = op(A) row (strided when transA) times op(B)
    for (int64_t i = 0; i < p.M; ++i) {
      const float* x = p.ta ? p.A + i : p.A + i * p.lda;
      gemv(kr, p.tb, p.N, p.K, p.alpha, p.B, p.ldb, x, p.ta ? p.lda : 1, p.beta, p.C + i * p.ldc, 1,
           &p, i);
    }
    return true;
  }
  if (p.N <= kMaxGemvCols) {  // each C column = op(A) times op(B) column, stride ldc
    for (int64_t j = 0; j < p.N; ++j) {
      const float* x = p.tb ? p.B + j * p.ldb : p.B + j;
      gemv(kr, !p.ta, p.M, p.K, p.alpha, p.A, p.lda, x, p.tb ? 1 : p.ldb, p.beta, p.C + j, p.ldc);
    }
    p.finish(0, p.M, 0, p.N);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// dgemm: only used for float64 gradient checks, so a straightforward cache-blocked loop.
// op(B) is copied into a contiguous row-major block so the inner loop is unit stride either way.

constexpr int64_t kDBlockK = 128;
constexpr int64_t kDBlockN = 512;

void dgemm_rows(bool ta, bool tb, int64_t i0, int64_t i1, int64_t N, int64_t K, double alpha,
                const double* A, int64_t lda, const double* B, int64_t ldb, double* C,
                int64_t ldc) {
  std::vector<double> bblk(static_cast<size_t>(kDBlockK * kDBlockN));
  for (int64_t j0 = 0; j0 < N; j0 += kDBlockN) {
    const int64_t nb = std::min(kDBlockN, N - j0);
    for (int64_t k0 = 0; k0 < K; k0 += kDBlockK) {
      const int64_t kb = std::min(kDBlockK, K - k0);
      for (int64_t k = 0; k < kb; ++k)
        for (int64_t j = 0; j < nb; ++j)
          bblk[k * nb + j] = tb ? B[(j0 + j) * ldb + k0 + k] : B[(k0 + k) * ldb + j0 + j];
      for (int64_t i = i0; i < i1; ++i) {
        double* crow = C + i * ldc + j0;
        for (int64_t k = 0; k < kb; ++k) {
          const double a = alpha * (ta ? A[(k0 + k) * lda + i] : A[i * lda + k0 + k]);
          const double* brow = bblk.data() + k * nb;
          for (int64_t j = 0; j < nb; ++j) crow[j] += a * brow[j];
        }
      }
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public entry points.

const char* sgemm_kernel_name() { return detail::kernel_slot().load()->name; }

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_args("sgemm", transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == 0.0f) {  // BLAS: A and B are not referenced
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const SgemmKernel& kr = *detail::kernel_slot().load();
  const Problem p{transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc};
  if (!try_gemv(kr, p)) gemm_packed(kr, p);
}

void sgemm_bias_act(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A,
                    int64_t lda, const float* B, int64_t ldb, const float* bias, bool relu, float* C,
                    int64_t ldc) {
  check_args("sgemm", transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
  if (M == 0 || N == 0) return;
  Problem p{transA, transB, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc};
  p.bias = bias;
  p.relu = relu;
  if (K == 0) {
    scale_c(M, N, 0.0f, C, ldc);
    p.finish(0, M, 0, N);
    return;
  }
  const SgemmKernel& kr = *detail::kernel_slot().load();
  if (!try_gemv(kr, p)) gemm_packed(kr, p);
}

void dgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
           int64_t ldc) {
  check_args("dgemm", transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
  if (M == 0 || N == 0) return;
  const double flops = 2.0 * M * N * K;
  const int64_t grain = std::max<int64_t>(4, static_cast<int64_t>(4.0e6 / std::max(1.0, flops / M)));
  parallel_for(M, grain, [&](int64_t i0, int64_t i1) {
    scale_c(i1 - i0, N, beta, C + i0 * ldc, ldc);
    if (K > 0 && alpha != 0.0)
      dgemm_rows(transA, transB, i0, i1, N, K, alpha, A, lda, B, ldb, C, ldc);
  });
}

}  // namespace jdnn::cpu
