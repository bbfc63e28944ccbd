// Checks the cuBLAS emulation (src/cuda/emu/cublas.cpp) entry by entry against
// a plain triple loop and against the argument rules of the cuBLAS reference:
// every operation pair, padded leading dimensions, alpha/beta, beta = 0 over
// NaN, alpha = 0 over NaN, strided batches, cublasGemmEx type combinations,
// math modes and the error statuses. Built with the emulated backend and run
// by CublasEmulationTest; prints what failed and exits 1, else exits 0.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "checks.h"
#include "cuda/emu/vendor_emu.h"

using namespace jdnn::vendor;
using namespace jdnn::vendor::emu;

namespace {

// The emulated cuBLAS queues its compute on the handle's stream, as the library does: a
// call's result is read on the host only after a synchronization.
template <class Status>
Status synced(Status status) {
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  return status;
}

// "Device" memory of the emulated runtime, filled from the host (the emulation keeps it in host memory).
template <class T>
T* device_array(size_t n, T fill) {
  void* p = nullptr;
  if (cudaMalloc(&p, n * sizeof(T) + 1) != cudaSuccess) return nullptr;
  T* t = static_cast<T*>(p);
  for (size_t i = 0; i < n; ++i) t[i] = fill;
  return t;
}

std::mt19937 g_rng(7);
double uniform() { return std::uniform_real_distribution<double>(-1, 1)(g_rng); }

const cublasOperation_t kOps[] = {CUBLAS_OP_N, CUBLAS_OP_T, CUBLAS_OP_C};

// Element (r, c) of op(X) for column-major X.
template <class T>
double op_at(const T* x, int ld, cublasOperation_t op, int r, int c) {
  return op == CUBLAS_OP_N ? double(x[r + c * ld]) : double(x[c + r * ld]);
}

template <class T>
bool close(T got, double want, double tol) {
  return std::fabs(double(got) - want) <= tol * (1 + std::fabs(want));
}

// Every operation pair, padded leading dimensions, several scales; the padding
// rows of C must stay untouched.
template <class T>
void gemm_against_loop(cublasHandle_t h, bool single) {
  const int sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {8, 2, 9}, {4, 6, 1}};
  const double scales[][2] = {{1, 0}, {-0.5, 0.25}, {2, 1}, {0, 0.5}};
  const double tol = single ? 1e-5 : 1e-13;
  for (auto& s : sizes)
    for (cublasOperation_t ta : kOps)
      for (cublasOperation_t tb : kOps)
        for (auto& sc : scales) {
          const int m = s[0], n = s[1], k = s[2];
          const int ar = ta == CUBLAS_OP_N ? m : k, ac = ta == CUBLAS_OP_N ? k : m;
          const int br = tb == CUBLAS_OP_N ? k : n, bc = tb == CUBLAS_OP_N ? n : k;
          const int lda = ar + 2, ldb = br + 3, ldc = m + 1;
          T* a = device_array<T>(size_t(lda) * ac, T(0));
          T* b = device_array<T>(size_t(ldb) * bc, T(0));
          T* c = device_array<T>(size_t(ldc) * n, T(0));
          for (int i = 0; i < lda * ac; ++i) a[i] = T(uniform());
          for (int i = 0; i < ldb * bc; ++i) b[i] = T(uniform());
          for (int i = 0; i < ldc * n; ++i) c[i] = T(uniform());
          std::vector<T> c0(c, c + ldc * n);
          const T alpha = T(sc[0]), beta = T(sc[1]);
          cublasStatus_t st;
          if constexpr (sizeof(T) == 4)
            st = synced(cublasSgemm_v2(h, ta, tb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
          else
            st = synced(cublasDgemm_v2(h, ta, tb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
          CHECK(st == CUBLAS_STATUS_SUCCESS);
          bool ok = true;
          for (int j = 0; j < n; ++j) {
            for (int i = 0; i < m; ++i) {
              double acc = 0;
              for (int l = 0; l < k; ++l) acc += op_at(a, lda, ta, i, l) * op_at(b, ldb, tb, l, j);
              const double want = double(alpha) * acc + double(beta) * double(c0[i + j * ldc]);
              ok = ok && close(c[i + j * ldc], want, tol);
            }
            ok = ok && c[m + j * ldc] == c0[m + j * ldc];  // the padding row
          }
          if (!ok) std::printf("  (m=%d n=%d k=%d ta=%d tb=%d alpha=%g beta=%g, %s)\n", m, n, k, ta, tb, sc[0], sc[1],
                               single ? "S" : "D");
          CHECK(ok);
          cudaFree(a);
          cudaFree(b);
          cudaFree(c);
        }
}

void nan_rules(cublasHandle_t h) {
  float* a = device_array<float>(4, 1.0f);
  float* b = device_array<float>(4, 2.0f);
  float* c = device_array<float>(4, NAN);
  const float one = 1, zero = 0, half = 0.5f;
  // beta = 0: C is written without being read.
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, a, 2, b, 2, &zero, c, 2)) == CUBLAS_STATUS_SUCCESS);
  CHECK(c[0] == 4 && c[3] == 4);
  // alpha = 0: A and B are not read, C = beta C.
  for (int i = 0; i < 4; ++i) a[i] = NAN;
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &zero, a, 2, b, 2, &half, c, 2)) == CUBLAS_STATUS_SUCCESS);
  CHECK(c[0] == 2 && c[3] == 2);
  // k = 0 and beta = 0 over NaN: C becomes zero.
  for (int i = 0; i < 4; ++i) c[i] = NAN;
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 0, &one, a, 2, b, 1, &zero, c, 2)) == CUBLAS_STATUS_SUCCESS);
  CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == 0);
  // m = 0: nothing is touched.
  c[0] = 5;
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 0, 2, 2, &one, a, 1, b, 2, &zero, c, 1)) == CUBLAS_STATUS_SUCCESS);
  CHECK(c[0] == 5);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
}

template <class T>
void strided_batched(cublasHandle_t h) {
  const int m = 3, n = 2, k = 4, batch = 3;
  const long long sa = m * k + 5, sb = k * n + 1, sc = m * n + 2;
  T* a = device_array<T>(size_t(sa) * batch, T(0));
  T* b = device_array<T>(size_t(sb) * batch, T(0));
  T* c = device_array<T>(size_t(sc) * batch, T(-7));
  for (int i = 0; i < sa * batch; ++i) a[i] = T(uniform());
  for (int i = 0; i < sb * batch; ++i) b[i] = T(uniform());
  const T alpha = T(1.5), beta = T(0);
  cublasStatus_t st;
  if constexpr (sizeof(T) == 4)
    st = synced(cublasSgemmStridedBatched(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &alpha, a, k, sa, b, k, sb, &beta, c, m, sc,
                                   batch));
  else
    st = synced(cublasDgemmStridedBatched(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &alpha, a, k, sa, b, k, sb, &beta, c, m, sc,
                                   batch));
  CHECK(st == CUBLAS_STATUS_SUCCESS);
  bool ok = true;
  for (int p = 0; p < batch; ++p) {
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < m; ++i) {
        double acc = 0;
        for (int l = 0; l < k; ++l) acc += double(a[p * sa + l + i * k]) * double(b[p * sb + l + j * k]);
        ok = ok && close(c[p * sc + i + j * m], 1.5 * acc, sizeof(T) == 4 ? 1e-5 : 1e-13);
      }
    for (long long g = m * n; g < sc; ++g) ok = ok && c[p * sc + g] == T(-7);  // gaps between the matrices
  }
  CHECK(ok);
  if constexpr (sizeof(T) == 4) {
    CHECK(synced(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &alpha, a, m, sa, b, k, sb, &beta, c, m, sc,
                                    -1)) == CUBLAS_STATUS_INVALID_VALUE);
    c[0] = 9;
    CHECK(synced(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &alpha, a, m, sa, b, k, sb, &beta, c, m, sc,
                                    0)) == CUBLAS_STATUS_SUCCESS);
    CHECK(c[0] == 9);
  }
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
}

uint16_t bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return uint16_t(u >> 16);  // the test's values are exact in bf16
}

void gemm_ex(cublasHandle_t h) {
  // bf16 A and B (values exact in bf16), float32 C.
  const int m = 3, n = 2, k = 5;
  auto* a = device_array<uint16_t>(m * k, 0);
  auto* b = device_array<uint16_t>(k * n, 0);
  float* c = device_array<float>(m * n, NAN);
  std::vector<float> av(m * k), bv(k * n);
  for (int i = 0; i < m * k; ++i) a[i] = bf16_bits(av[i] = float(i % 7 - 3) * 0.25f);
  for (int i = 0; i < k * n; ++i) b[i] = bf16_bits(bv[i] = float(i % 5) - 1.5f);
  const float one = 1, zero = 0;
  CHECK(synced(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, a, CUDA_R_16BF, m, b, CUDA_R_16BF, k, &zero, c,
                     CUDA_R_32F, m, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT)) == CUBLAS_STATUS_SUCCESS);
  bool ok = true;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      double acc = 0;
      for (int l = 0; l < k; ++l) acc += double(av[i + l * m]) * double(bv[l + j * k]);
      ok = ok && c[i + j * m] == float(acc);
    }
  CHECK(ok);
  // float32 with FAST_TF32: 1 + 2^-15 rounds to 1; plain COMPUTE_32F keeps it.
  float* x = device_array<float>(1, 1.0f + std::ldexp(1.0f, -15));
  float* y = device_array<float>(1, 1.0f);
  float* z = device_array<float>(1, 0.0f);
  CHECK(synced(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, x, CUDA_R_32F, 1, y, CUDA_R_32F, 1, &zero, z,
                     CUDA_R_32F, 1, CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT)) == CUBLAS_STATUS_SUCCESS);
  CHECK(*z == 1.0f);
  CHECK(synced(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, x, CUDA_R_32F, 1, y, CUDA_R_32F, 1, &zero, z,
                     CUDA_R_32F, 1, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT)) == CUBLAS_STATUS_SUCCESS);
  CHECK(*z == 1.0f + std::ldexp(1.0f, -15));
  // float64 throughout, double scale factors.
  double* d = device_array<double>(1, 3.0);
  double* e = device_array<double>(1, 0.0);
  const double two = 2, dzero = 0;
  CHECK(synced(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_T, 1, 1, 1, &two, d, CUDA_R_64F, 1, d, CUDA_R_64F, 1, &dzero, e,
                     CUDA_R_64F, 1, CUBLAS_COMPUTE_64F, CUBLAS_GEMM_DEFAULT)) == CUBLAS_STATUS_SUCCESS);
  CHECK(*e == 18.0);
  // float16 A and B with float32 C, read from their IEEE binary16 bits: 1.5 x -2 + 2^-24 (the smallest
  // subnormal) x 65504 (the largest finite), summed in float32.
  auto* ha = device_array<uint16_t>(2, 0);
  auto* hb = device_array<uint16_t>(2, 0);
  ha[0] = 0x3E00;
  ha[1] = 0x0001;
  hb[0] = 0xC000;
  hb[1] = 0x7BFF;
  CHECK(synced(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 2, &one, ha, CUDA_R_16F, 1, hb, CUDA_R_16F, 2, &zero, z,
                     CUDA_R_32F, 1, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT)) == CUBLAS_STATUS_SUCCESS);
  CHECK(*z == float(-3.0 + std::ldexp(65504.0, -24)));
  // Combinations outside the emulated set: float16 output, float32 data under float64 compute.
  CHECK(synced(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, ha, CUDA_R_16F, 1, hb, CUDA_R_16F, 1, &zero,
                     ha, CUDA_R_16F, 1, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT)) == CUBLAS_STATUS_NOT_SUPPORTED);
  CHECK(synced(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, x, CUDA_R_32F, 1, y, CUDA_R_32F, 1, &zero, z,
                     CUDA_R_32F, 1, CUBLAS_COMPUTE_64F, CUBLAS_GEMM_DEFAULT)) == CUBLAS_STATUS_NOT_SUPPORTED);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  cudaFree(x);
  cudaFree(y);
  cudaFree(z);
  cudaFree(d);
  cudaFree(e);
  cudaFree(ha);
  cudaFree(hb);
}

void invalid_arguments(cublasHandle_t h) {
  float* a = device_array<float>(64, 1.0f);
  const float one = 1;
  auto sgemm = [&](int ta, int tb, int m, int n, int k, int lda, int ldb, int ldc, const float* alpha) {
    return synced(cublasSgemm_v2(h, cublasOperation_t(ta), cublasOperation_t(tb), m, n, k, alpha, a, lda, a, ldb, &one, a,
                          ldc));
  };
  const cublasStatus_t bad = CUBLAS_STATUS_INVALID_VALUE;
  CHECK(sgemm(0, 0, 2, 2, 2, 2, 2, 2, &one) == CUBLAS_STATUS_SUCCESS);
  CHECK(sgemm(0, 0, -1, 2, 2, 2, 2, 2, &one) == bad);
  CHECK(sgemm(0, 0, 2, -1, 2, 2, 2, 2, &one) == bad);
  CHECK(sgemm(0, 0, 2, 2, -1, 2, 2, 2, &one) == bad);
  CHECK(sgemm(5, 0, 2, 2, 2, 2, 2, 2, &one) == bad);
  CHECK(sgemm(0, 5, 2, 2, 2, 2, 2, 2, &one) == bad);
  CHECK(sgemm(0, 0, 3, 2, 2, 2, 2, 3, &one) == bad);   // lda < m for op N
  CHECK(sgemm(1, 0, 2, 2, 3, 2, 3, 2, &one) == bad);   // lda < k for op T
  CHECK(sgemm(1, 0, 3, 2, 2, 2, 2, 3, &one) == CUBLAS_STATUS_SUCCESS);  // op T: lda >= k suffices
  CHECK(sgemm(0, 0, 2, 2, 3, 2, 2, 2, &one) == bad);   // ldb < k for op N
  CHECK(sgemm(0, 1, 2, 3, 2, 2, 2, 2, &one) == bad);   // ldb < n for op T
  CHECK(sgemm(0, 0, 3, 2, 2, 3, 2, 2, &one) == bad);   // ldc < m
  CHECK(sgemm(0, 0, 0, 2, 2, 1, 2, 0, &one) == bad);   // ldc < max(1, m) even when m = 0
  CHECK(sgemm(0, 0, 2, 2, 2, 2, 2, 2, nullptr) == bad);
  CHECK(synced(cublasSgemm_v2(nullptr, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, a, 1, a, 1, &one, a, 1)) ==
        CUBLAS_STATUS_NOT_INITIALIZED);
  // Host memory where device memory is required.
  float host[4] = {1, 2, 3, 4};
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, host, 2, a, 2, &one, a, 2)) ==
        CUBLAS_STATUS_EXECUTION_FAILED);
  // An operand running past the end of its allocation.
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 8, 9, 1, &one, a, 8, a, 1, &one, a, 8)) ==
        CUBLAS_STATUS_EXECUTION_FAILED);
  cudaFree(a);
}

void handle_and_library(cublasHandle_t h) {
  int major = -1, minor = -1, patch = -1;
  CHECK(cublasGetProperty(MAJOR_VERSION, &major) == CUBLAS_STATUS_SUCCESS);
  CHECK(cublasGetProperty(MINOR_VERSION, &minor) == CUBLAS_STATUS_SUCCESS);
  CHECK(cublasGetProperty(PATCH_LEVEL, &patch) == CUBLAS_STATUS_SUCCESS);
  CHECK(major == 13 && minor == 1 && patch == 0);
  CHECK(cublasGetProperty(MAJOR_VERSION, nullptr) == CUBLAS_STATUS_INVALID_VALUE);
  CHECK(std::strstr(cublasGetStatusString(CUBLAS_STATUS_INVALID_VALUE), "INVALID_VALUE") != nullptr);
  CHECK(std::strstr(cublasGetStatusString(CUBLAS_STATUS_NOT_SUPPORTED), "NOT_SUPPORTED") != nullptr);
  CHECK(cublasSetMathMode(h, cublasMath_t(99)) == CUBLAS_STATUS_INVALID_VALUE);
  CHECK(cublasSetStream_v2(h, nullptr) == CUBLAS_STATUS_SUCCESS);
  // TF32 math mode: single precision rounds its inputs, double precision does not.
  CHECK(cublasSetMathMode(h, CUBLAS_TF32_TENSOR_OP_MATH) == CUBLAS_STATUS_SUCCESS);
  float* x = device_array<float>(1, 1.0f + std::ldexp(1.0f, -15));
  float* z = device_array<float>(1, 0.0f);
  double* dx = device_array<double>(1, 1.0 + std::ldexp(1.0, -15));
  double* dz = device_array<double>(1, 0.0);
  const float one = 1, zero = 0;
  const double done = 1, dzero = 0;
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, x, 1, x, 1, &zero, z, 1)) == CUBLAS_STATUS_SUCCESS);
  CHECK(*z == 1.0f);
  CHECK(synced(cublasDgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &done, dx, 1, dx, 1, &dzero, dz, 1)) ==
        CUBLAS_STATUS_SUCCESS);
  CHECK(*dz == *dx * *dx);
  CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH) == CUBLAS_STATUS_SUCCESS);
  CHECK(synced(cublasSgemm_v2(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, x, 1, x, 1, &zero, z, 1)) == CUBLAS_STATUS_SUCCESS);
  CHECK(*z == *x * *x);
  cudaFree(x);
  cudaFree(z);
  cudaFree(dx);
  cudaFree(dz);
}

}  // namespace

int main() {
  cublasHandle_t h = nullptr;
  CHECK(cublasCreate_v2(&h) == CUBLAS_STATUS_SUCCESS && h != nullptr);
  gemm_against_loop<float>(h, true);
  gemm_against_loop<double>(h, false);
  nan_rules(h);
  strided_batched<float>(h);
  strided_batched<double>(h);
  gemm_ex(h);
  invalid_arguments(h);
  handle_and_library(h);
  CHECK(cublasDestroy_v2(h) == CUBLAS_STATUS_SUCCESS);
  return jdnn_test::checks_summary();
}
