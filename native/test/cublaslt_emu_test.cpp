// Checks the cuBLASLt emulation (src/cuda/emu/cublaslt.cpp) against a float64
// reference written here from cublasLt.h's epilogue documentation: every
// emulated epilogue (DEFAULT, RELU, BIAS, RELU_BIAS, RELU_AUX, RELU_AUX_BIAS,
// DRELU, DRELU_BGRAD, BGRADA, BGRADB) over every operation pair, padded leading
// dimensions and alpha/beta, in float32, TF32 and float64; the ReLU mask round
// trip (a RELU_AUX forward's mask read back by DRELU); beta = 0 over NaN; the
// argument statuses; and planted defects the strict emulation must report: a
// short bias, a host bias, a wrong aux leading dimension, a short aux buffer, a
// short workspace, a freed output, a descriptor changed or destroyed before the
// queued work ran. Run by CublasLtEmulationTest; prints "N checks, M failed".
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "checks.h"
#include "emu_buffer.h"
#include "cuda/emu/vendor_emu.h"

using namespace jdnn::vendor;
using namespace jdnn::vendor::emu;

namespace {

void flush() { CHECK(cudaDeviceSynchronize() == cudaSuccess); }

using jdnn_test::Buf;

std::mt19937 g_rng(11);
double uniform() { return std::uniform_real_distribution<double>(-1, 1)(g_rng); }

// An independent TF32 rounding: nearest, ties away from zero, 10 explicit mantissa bits.
float tf32(float f) {
  if (!std::isfinite(f)) return f;
  int e = 0;
  const double m = std::frexp(double(f), &e);               // f = m * 2^e, 0.5 <= |m| < 1
  const double scaled = std::round(std::ldexp(m, 11));     // 11 significant bits
  return static_cast<float>(std::ldexp(scaled, e - 11));
}

// The descriptors of one call, destroyed with it.
struct Call {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr, d = nullptr;
  ~Call() {
    if (desc) cublasLtMatmulDescDestroy(desc);
    for (auto* l : {a, b, c, d})
      if (l) cublasLtMatrixLayoutDestroy(l);
  }
};

template <class T>
constexpr cudaDataType_t dtype() {
  return sizeof(T) == 8 ? CUDA_R_64F : CUDA_R_32F;
}

template <class T>
void set_attr(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attr, const T& v) {
  CHECK(cublasLtMatmulDescSetAttribute(desc, attr, &v, sizeof(T)) == CUBLAS_STATUS_SUCCESS);
}

struct Shape {
  int m, n, k;
  cublasOperation_t ta, tb;
  int pad;  // added to every leading dimension
};

// Sets up a call for D (m x n) = op(A) op(B) with the given epilogue; C and D share nothing.
template <class T>
void describe(Call& call, const Shape& s, cublasComputeType_t compute, uint32_t epilogue) {
  const int ar = s.ta == CUBLAS_OP_N ? s.m : s.k, ac = s.ta == CUBLAS_OP_N ? s.k : s.m;
  const int br = s.tb == CUBLAS_OP_N ? s.k : s.n, bc = s.tb == CUBLAS_OP_N ? s.n : s.k;
  CHECK(cublasLtMatmulDescCreate(&call.desc, compute, dtype<T>()) == CUBLAS_STATUS_SUCCESS);
  set_attr(call.desc, CUBLASLT_MATMUL_DESC_TRANSA, int32_t(s.ta));
  set_attr(call.desc, CUBLASLT_MATMUL_DESC_TRANSB, int32_t(s.tb));
  set_attr(call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue);
  CHECK(cublasLtMatrixLayoutCreate(&call.a, dtype<T>(), ar, ac, ar + s.pad) == CUBLAS_STATUS_SUCCESS);
  CHECK(cublasLtMatrixLayoutCreate(&call.b, dtype<T>(), br, bc, br + s.pad) == CUBLAS_STATUS_SUCCESS);
  CHECK(cublasLtMatrixLayoutCreate(&call.c, dtype<T>(), s.m, s.n, s.m + s.pad) == CUBLAS_STATUS_SUCCESS);
  CHECK(cublasLtMatrixLayoutCreate(&call.d, dtype<T>(), s.m, s.n, s.m + s.pad + 1) == CUBLAS_STATUS_SUCCESS);
}

// What the heuristic query hands back for a call (one algorithm, or a failed status).
cublasStatus_t heuristic(cublasLtHandle_t h, const Call& call, cublasLtMatmulHeuristicResult_t* out) {
  cublasLtMatmulPreference_t pref = nullptr;
  CHECK(cublasLtMatmulPreferenceCreate(&pref) == CUBLAS_STATUS_SUCCESS);
  const uint64_t max_ws = 1 << 20;
  CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_ws,
                                             sizeof(max_ws)) == CUBLAS_STATUS_SUCCESS);
  int returned = 0;
  const cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(h, call.desc, call.a, call.b, call.c, call.d, pref, 1,
                                                          out, &returned);
  CHECK(st != CUBLAS_STATUS_SUCCESS || (returned == 1 && out->state == CUBLAS_STATUS_SUCCESS));
  CHECK(cublasLtMatmulPreferenceDestroy(pref) == CUBLAS_STATUS_SUCCESS);
  return st;
}

bool has(uint32_t e, std::initializer_list<cublasLtEpilogue_t> set) {
  for (auto x : set)
    if (e == uint32_t(x)) return true;
  return false;
}

// One epilogue over one shape against the float64 reference. DRELU / DRELU_BGRAD read the mask a
// RELU_AUX_BIAS call wrote for a forward pre-activation Z (m x n), so the mask's meaning is checked
// through the round trip the library documents rather than through its packing.
template <class T>
void epilogue_case(cublasLtHandle_t h, const Shape& s, cublasComputeType_t compute, uint32_t e, double alpha,
                   double beta) {
  const bool tf = compute == CUBLAS_COMPUTE_32F_FAST_TF32;
  const int ar = s.ta == CUBLAS_OP_N ? s.m : s.k, ac = s.ta == CUBLAS_OP_N ? s.k : s.m;
  const int br = s.tb == CUBLAS_OP_N ? s.k : s.n, bc = s.tb == CUBLAS_OP_N ? s.n : s.k;
  const int lda = ar + s.pad, ldb = br + s.pad, ldc = s.m + s.pad, ldd = s.m + s.pad + 1;
  Buf<T> a(size_t(lda) * ac), b(size_t(ldb) * bc), c(size_t(ldc) * s.n), d(size_t(ldd) * s.n, T(-7));
  for (size_t i = 0; i < a.n; ++i) a.p[i] = T(uniform());
  for (size_t i = 0; i < b.n; ++i) b.p[i] = T(uniform());
  for (size_t i = 0; i < c.n; ++i) c.p[i] = T(uniform());
  const bool bgrad_n = e == CUBLASLT_EPILOGUE_BGRADB;
  Buf<T> bias(bgrad_n ? s.n : s.m);
  for (size_t i = 0; i < bias.n; ++i) bias.p[i] = T(uniform());
  const int64_t aux_ld = ((s.m + 127) / 128) * 128 + 128;  // padded beyond the minimum
  Buf<uint8_t> aux(size_t(aux_ld) * s.n / 8);
  // Forward pre-activation whose signs the DRELU cases use.
  std::vector<double> z(size_t(s.m) * s.n);
  for (double& v : z) v = uniform();
  const bool drelu = has(e, {CUBLASLT_EPILOGUE_DRELU, CUBLASLT_EPILOGUE_DRELU_BGRAD});
  if (drelu) {
    // Write the mask with a forward RELU_AUX_BIAS whose pre-activation is exactly Z: Z times the
    // identity, plus a zero bias.
    Buf<T> za(size_t(s.m) * s.n), one(size_t(s.n) * s.n, T(0)), zb(s.m, T(0)), zd(size_t(s.m) * s.n);
    for (size_t i = 0; i < za.n; ++i) za.p[i] = T(z[i]);
    for (int j = 0; j < s.n; ++j) one.p[j + size_t(j) * s.n] = T(1);
    Call f;
    describe<T>(f, Shape{s.m, s.n, s.n, CUBLAS_OP_N, CUBLAS_OP_N, 0}, sizeof(T) == 8 ? CUBLAS_COMPUTE_64F
                                                                                    : CUBLAS_COMPUTE_32F,
                CUBLASLT_EPILOGUE_RELU_AUX_BIAS);
    cublasLtMatrixLayoutDestroy(f.d);
    CHECK(cublasLtMatrixLayoutCreate(&f.d, dtype<T>(), s.m, s.n, s.m) == CUBLAS_STATUS_SUCCESS);
    set_attr(f.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<const void*>(zb.p));
    set_attr(f.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER, static_cast<void*>(aux.p));
    set_attr(f.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, aux_ld);
    const T one_s = 1, zero_s = 0;
    CHECK(cublasLtMatmul(h, f.desc, &one_s, za.p, f.a, one.p, f.b, &zero_s, zd.p, f.c, zd.p, f.d, nullptr, nullptr,
                         0, nullptr) == CUBLAS_STATUS_SUCCESS);
    flush();
    for (size_t i = 0; i < zd.n; ++i) CHECK(double(zd.p[i]) == std::max(0.0, double(T(z[i]))));
  }

  Call call;
  describe<T>(call, s, compute, e);
  if (e != CUBLASLT_EPILOGUE_DEFAULT && !has(e, {CUBLASLT_EPILOGUE_RELU, CUBLASLT_EPILOGUE_RELU_AUX}))
    set_attr(call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<void*>(bias.p));
  if (has(e, {CUBLASLT_EPILOGUE_RELU_AUX, CUBLASLT_EPILOGUE_RELU_AUX_BIAS}) || drelu) {
    set_attr(call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER, static_cast<void*>(aux.p));
    set_attr(call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, aux_ld);
  }
  cublasLtMatmulHeuristicResult_t algo{};
  CHECK(heuristic(h, call, &algo) == CUBLAS_STATUS_SUCCESS);
  const T al = T(alpha), be = T(beta);
  const std::vector<T> bias0(bias.p, bias.p + bias.n);
  CHECK(cublasLtMatmul(h, call.desc, &al, a.p, call.a, b.p, call.b, &be, c.p, call.c, d.p, call.d, &algo.algo,
                       nullptr, 0, nullptr) == CUBLAS_STATUS_SUCCESS);
  flush();

  // The reference, from the documented semantics.
  auto in = [&](T v) { return tf ? double(tf32(float(v))) : double(v); };
  auto opa = [&](int i, int l) { return s.ta == CUBLAS_OP_N ? a.p[i + size_t(l) * lda] : a.p[l + size_t(i) * lda]; };
  auto opb = [&](int l, int j) { return s.tb == CUBLAS_OP_N ? b.p[l + size_t(j) * ldb] : b.p[j + size_t(l) * ldb]; };
  const double tol = sizeof(T) == 8 ? 1e-12 : 2e-6;
  std::vector<double> row_sum(s.m, 0.0);
  bool d_ok = true, pad_ok = true;
  for (int j = 0; j < s.n; ++j) {
    for (int i = 0; i < s.m; ++i) {
      double v = 0;
      for (int l = 0; l < s.k; ++l) v += in(opa(i, l)) * in(opb(l, j));
      v = alpha * v + (beta != 0 ? beta * double(c.p[i + size_t(j) * ldc]) : 0.0);
      if (has(e, {CUBLASLT_EPILOGUE_BIAS, CUBLASLT_EPILOGUE_RELU_BIAS, CUBLASLT_EPILOGUE_RELU_AUX_BIAS}))
        v += double(bias0[i]);
      if (has(e, {CUBLASLT_EPILOGUE_RELU, CUBLASLT_EPILOGUE_RELU_AUX, CUBLASLT_EPILOGUE_RELU_BIAS,
                  CUBLASLT_EPILOGUE_RELU_AUX_BIAS}))
        v = std::max(v, 0.0);
      if (drelu && !(double(T(z[i + size_t(j) * s.m])) > 0)) v = 0;
      row_sum[i] += v;
      const double got = double(d.p[i + size_t(j) * ldd]);
      if (std::fabs(got - v) > tol * (1 + std::fabs(v))) d_ok = false;
    }
    for (int i = s.m; i < ldd; ++i) pad_ok = pad_ok && d.p[i + size_t(j) * ldd] == T(-7);
  }
  CHECK(d_ok);
  CHECK(pad_ok);
  if (e == CUBLASLT_EPILOGUE_DRELU_BGRAD)
    for (int i = 0; i < s.m; ++i) CHECK(std::fabs(double(bias.p[i]) - row_sum[i]) <= tol * (1 + s.n + std::fabs(row_sum[i])));
  if (e == CUBLASLT_EPILOGUE_BGRADA)
    for (int i = 0; i < s.m; ++i) {
      double sum = 0;
      for (int l = 0; l < s.k; ++l) sum += double(opa(i, l));
      CHECK(std::fabs(double(bias.p[i]) - sum) <= tol * (1 + s.k));
    }
  if (e == CUBLASLT_EPILOGUE_BGRADB)
    for (int j = 0; j < s.n; ++j) {
      double sum = 0;
      for (int l = 0; l < s.k; ++l) sum += double(opb(l, j));
      CHECK(std::fabs(double(bias.p[j]) - sum) <= tol * (1 + s.k));
    }
  // A RELU_AUX forward's mask: DRELU of an all-ones gradient gives it back as 0 / 1.
  if (has(e, {CUBLASLT_EPILOGUE_RELU_AUX, CUBLASLT_EPILOGUE_RELU_AUX_BIAS})) {
    Buf<T> ga(size_t(s.m) * s.m, T(0)), gb(size_t(s.m) * s.n, T(1)), back(size_t(s.m) * s.n);
    for (int i = 0; i < s.m; ++i) ga.p[i + size_t(i) * s.m] = T(1);
    Call r;
    describe<T>(r, Shape{s.m, s.n, s.m, CUBLAS_OP_N, CUBLAS_OP_N, 0}, sizeof(T) == 8 ? CUBLAS_COMPUTE_64F
                                                                                    : CUBLAS_COMPUTE_32F,
                CUBLASLT_EPILOGUE_DRELU);
    cublasLtMatrixLayoutDestroy(r.d);
    CHECK(cublasLtMatrixLayoutCreate(&r.d, dtype<T>(), s.m, s.n, s.m) == CUBLAS_STATUS_SUCCESS);
    set_attr(r.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER, static_cast<void*>(aux.p));
    set_attr(r.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, aux_ld);
    const T one_s = 1, zero_s = 0;
    CHECK(cublasLtMatmul(h, r.desc, &one_s, ga.p, r.a, gb.p, r.b, &zero_s, back.p, r.c, back.p, r.d, nullptr, nullptr,
                         0, nullptr) == CUBLAS_STATUS_SUCCESS);
    flush();
    bool mask_ok = true;
    for (int j = 0; j < s.n; ++j)
      for (int i = 0; i < s.m; ++i)
        mask_ok = mask_ok && (back.p[i + size_t(j) * s.m] == T(1)) == (d.p[i + size_t(j) * ldd] > T(0));
    CHECK(mask_ok);
  }
}

const uint32_t kEpilogues[] = {CUBLASLT_EPILOGUE_DEFAULT,   CUBLASLT_EPILOGUE_RELU,        CUBLASLT_EPILOGUE_BIAS,
                               CUBLASLT_EPILOGUE_RELU_BIAS, CUBLASLT_EPILOGUE_RELU_AUX,    CUBLASLT_EPILOGUE_RELU_AUX_BIAS,
                               CUBLASLT_EPILOGUE_DRELU,     CUBLASLT_EPILOGUE_DRELU_BGRAD, CUBLASLT_EPILOGUE_BGRADA,
                               CUBLASLT_EPILOGUE_BGRADB};

void all_epilogues(cublasLtHandle_t h) {
  const int sizes[][3] = {{3, 5, 7}, {1, 1, 1}, {130, 3, 4}};
  const cublasOperation_t ops[] = {CUBLAS_OP_N, CUBLAS_OP_T};
  const double scales[][2] = {{1, 0}, {-0.5, 0.25}};
  for (uint32_t e : kEpilogues)
    for (auto& sz : sizes)
      for (auto ta : ops)
        for (auto tb : ops)
          for (auto& sc : scales) {
            const Shape s{sz[0], sz[1], sz[2], ta, tb, 2};
            epilogue_case<float>(h, s, CUBLAS_COMPUTE_32F, e, sc[0], sc[1]);
            epilogue_case<double>(h, s, CUBLAS_COMPUTE_64F, e, sc[0], sc[1]);
          }
  // TF32: the reference rounds A and B first; it must differ from plain float math on these inputs.
  for (uint32_t e : {uint32_t(CUBLASLT_EPILOGUE_BIAS), uint32_t(CUBLASLT_EPILOGUE_RELU_BIAS)})
    epilogue_case<float>(h, Shape{4, 3, 9, CUBLAS_OP_T, CUBLAS_OP_N, 1}, CUBLAS_COMPUTE_32F_FAST_TF32, e, 1, 0);
  {
    Buf<float> a(1, 1.0f + 1.0f / 4096), b(1, 1.0f), c(1), d(1), bias(1, 0.0f);
    Call call;
    describe<float>(call, Shape{1, 1, 1, CUBLAS_OP_N, CUBLAS_OP_N, 0}, CUBLAS_COMPUTE_32F_FAST_TF32,
                    CUBLASLT_EPILOGUE_BIAS);
    set_attr(call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<void*>(bias.p));
    const float one = 1, zero = 0;
    CHECK(cublasLtMatmul(h, call.desc, &one, a.p, call.a, b.p, call.b, &zero, c.p, call.c, d.p, call.d, nullptr,
                         nullptr, 0, nullptr) == CUBLAS_STATUS_SUCCESS);
    flush();
    CHECK(d.p[0] == 1.0f);  // 1 + 2^-12 rounds to 1 in TF32
  }
}

// beta = 0: C is not read, so NaN there stays out of D.
void beta_zero_ignores_c(cublasLtHandle_t h) {
  Buf<float> a(6, 1.0f), b(6, 1.0f), c(4, NAN), d(4), bias(2, 0.5f);
  Call call;
  describe<float>(call, Shape{2, 2, 3, CUBLAS_OP_N, CUBLAS_OP_N, 0}, CUBLAS_COMPUTE_32F, CUBLASLT_EPILOGUE_BIAS);
  cublasLtMatrixLayoutDestroy(call.d);
  CHECK(cublasLtMatrixLayoutCreate(&call.d, CUDA_R_32F, 2, 2, 2) == CUBLAS_STATUS_SUCCESS);
  set_attr(call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<void*>(bias.p));
  const float one = 1, zero = 0;
  CHECK(cublasLtMatmul(h, call.desc, &one, a.p, call.a, b.p, call.b, &zero, c.p, call.c, d.p, call.d, nullptr, nullptr,
                       0, nullptr) == CUBLAS_STATUS_SUCCESS);
  flush();
  for (int i = 0; i < 4; ++i) CHECK(d.p[i] == 3.5f);
}

// A 2 x 2 x 3 BIAS (or other) call whose buffers and descriptors a test may spoil one at a time.
struct Small {
  Buf<float> a{6, 1.0f}, b{6, 1.0f}, c{4, 0.0f}, d{4, NAN}, bias{2, 0.5f};
  Buf<uint8_t> aux{32};  // 128 bits x 2 columns
  Call call;
  explicit Small(uint32_t e) {
    describe<float>(call, Shape{2, 2, 3, CUBLAS_OP_N, CUBLAS_OP_N, 0}, CUBLAS_COMPUTE_32F, e);
    cublasLtMatrixLayoutDestroy(call.d);
    CHECK(cublasLtMatrixLayoutCreate(&call.d, CUDA_R_32F, 2, 2, 2) == CUBLAS_STATUS_SUCCESS);
    set_attr(call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<void*>(bias.p));
    set_attr(call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER, static_cast<void*>(aux.p));
    set_attr(call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, int64_t(128));
  }
  cublasStatus_t run(cublasLtHandle_t h, void* ws = nullptr, size_t ws_bytes = 0) {
    const float one = 1, zero = 0;
    return cublasLtMatmul(h, call.desc, &one, a.p, call.a, b.p, call.b, &zero, c.p, call.c, d.p, call.d, nullptr, ws,
                          ws_bytes, nullptr);
  }
};

void statuses(cublasLtHandle_t h) {
  CHECK(cublasLtCreate(nullptr) == CUBLAS_STATUS_INVALID_VALUE);
  CHECK(cublasLtDestroy(nullptr) == CUBLAS_STATUS_NOT_INITIALIZED);
  {
    Small s(CUBLASLT_EPILOGUE_BIAS);
    CHECK(s.run(h) == CUBLAS_STATUS_SUCCESS);
    flush();
    CHECK(s.d.p[0] == 3.5f);
    const float one = 1;
    CHECK(cublasLtMatmul(nullptr, s.call.desc, &one, s.a.p, s.call.a, s.b.p, s.call.b, &one, s.c.p, s.call.c, s.d.p,
                         s.call.d, nullptr, nullptr, 0, nullptr) == CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK(cublasLtMatmul(h, s.call.desc, nullptr, s.a.p, s.call.a, s.b.p, s.call.b, &one, s.c.p, s.call.c, s.d.p,
                         s.call.d, nullptr, nullptr, 0, nullptr) == CUBLAS_STATUS_INVALID_VALUE);
    // Attribute sizes and buffers: the header's INVALID_VALUE cases.
    const int64_t wide = 0;
    CHECK(cublasLtMatmulDescSetAttribute(s.call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &wide, sizeof(wide)) ==
          CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cublasLtMatmulDescSetAttribute(s.call.desc, CUBLASLT_MATMUL_DESC_TRANSA, nullptr, 4) ==
          CUBLAS_STATUS_INVALID_VALUE);
    // The heuristic query: no room for results.
    cublasLtMatmulPreference_t pref = nullptr;
    CHECK(cublasLtMatmulPreferenceCreate(&pref) == CUBLAS_STATUS_SUCCESS);
    const uint32_t narrow = 0;
    CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &narrow,
                                               sizeof(narrow)) == CUBLAS_STATUS_INVALID_VALUE);
    cublasLtMatmulHeuristicResult_t r{};
    int count = -1;
    CHECK(cublasLtMatmulAlgoGetHeuristic(h, s.call.desc, s.call.a, s.call.b, s.call.c, s.call.d, pref, 0, &r,
                                         &count) == CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cublasLtMatmulAlgoGetHeuristic(nullptr, s.call.desc, s.call.a, s.call.b, s.call.c, s.call.d, pref, 1, &r,
                                         &count) == CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK(cublasLtMatmulPreferenceDestroy(pref) == CUBLAS_STATUS_SUCCESS);
    // An algorithm the heuristic query did not produce.
    cublasLtMatmulAlgo_t forged{};
    CHECK(cublasLtMatmul(h, s.call.desc, &one, s.a.p, s.call.a, s.b.p, s.call.b, &one, s.c.p, s.call.c, s.d.p,
                         s.call.d, &forged, nullptr, 0, nullptr) == CUBLAS_STATUS_INVALID_VALUE);
  }
  {  // inner dimensions that disagree
    Small s(CUBLASLT_EPILOGUE_BIAS);
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_TRANSA, int32_t(CUBLAS_OP_T));
    CHECK(s.run(h) == CUBLAS_STATUS_INVALID_VALUE);
  }
  {  // GELU is not emulated (jdnn has no GELU); the heuristic query says so too
    Small s(32);
    CHECK(s.run(h) == CUBLAS_STATUS_NOT_SUPPORTED);
    cublasLtMatmulHeuristicResult_t r{};
    CHECK(heuristic(h, s.call, &r) == CUBLAS_STATUS_NOT_SUPPORTED);
  }
  {  // mixed types
    Small s(CUBLASLT_EPILOGUE_BIAS);
    cublasLtMatrixLayoutDestroy(s.call.c);
    CHECK(cublasLtMatrixLayoutCreate(&s.call.c, CUDA_R_64F, 2, 2, 2) == CUBLAS_STATUS_SUCCESS);
    CHECK(s.run(h) == CUBLAS_STATUS_NOT_SUPPORTED);
  }
  {  // a bias epilogue without a bias
    Small s(CUBLASLT_EPILOGUE_RELU_BIAS);
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<const void*>(nullptr));
    CHECK(s.run(h) == CUBLAS_STATUS_INVALID_VALUE);
  }
  {  // in place with C's and D's leading dimensions different
    Small s(CUBLASLT_EPILOGUE_BIAS);
    cublasLtMatrixLayoutDestroy(s.call.c);
    CHECK(cublasLtMatrixLayoutCreate(&s.call.c, CUDA_R_32F, 2, 2, 3) == CUBLAS_STATUS_SUCCESS);
    Buf<float> cd(6, 0.0f);
    const float one = 1;
    CHECK(cublasLtMatmul(h, s.call.desc, &one, s.a.p, s.call.a, s.b.p, s.call.b, &one, cd.p, s.call.c, cd.p, s.call.d,
                         nullptr, nullptr, 0, nullptr) == CUBLAS_STATUS_INVALID_VALUE);
  }
}

// Each planted defect is reported with the documented or fault status, and nothing is queued for it.
void planted_defects(cublasLtHandle_t h) {
  for (int64_t bad_ld : {int64_t(64), int64_t(130), int64_t(0)}) {  // not a multiple of 128, or below the rows
    Small s(CUBLASLT_EPILOGUE_RELU_AUX_BIAS);
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, bad_ld);
    CHECK(s.run(h) == CUBLAS_STATUS_INVALID_VALUE);
    cublasLtMatmulHeuristicResult_t r{};
    CHECK(heuristic(h, s.call, &r) == CUBLAS_STATUS_INVALID_VALUE);
  }
  {  // a bias one element short
    Small s(CUBLASLT_EPILOGUE_BIAS);
    Buf<float> short_bias(1, 0.0f);
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<void*>(short_bias.p));
    CHECK(s.run(h) == CUBLAS_STATUS_EXECUTION_FAILED);
  }
  {  // a bias-gradient output one element short (BGRADB's has D's column count)
    Small s(CUBLASLT_EPILOGUE_BGRADB);
    Buf<float> short_bias(1, 0.0f);
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<void*>(short_bias.p));
    CHECK(s.run(h) == CUBLAS_STATUS_EXECUTION_FAILED);
  }
  {  // a host bias
    Small s(CUBLASLT_EPILOGUE_RELU_BIAS);
    std::vector<float> host(2, 0.5f);
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<void*>(host.data()));
    CHECK(s.run(h) == CUBLAS_STATUS_EXECUTION_FAILED);
  }
  {  // a host A
    Small s(CUBLASLT_EPILOGUE_BIAS);
    std::vector<float> host(6, 1.0f);
    const float one = 1, zero = 0;
    CHECK(cublasLtMatmul(h, s.call.desc, &one, host.data(), s.call.a, s.b.p, s.call.b, &zero, s.c.p, s.call.c, s.d.p,
                         s.call.d, nullptr, nullptr, 0, nullptr) == CUBLAS_STATUS_EXECUTION_FAILED);
  }
  {  // an aux buffer too short for its leading dimension (256 bits a column: 2 rows x 2 columns span 33 bytes)
    Small s(CUBLASLT_EPILOGUE_RELU_AUX_BIAS);
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, int64_t(256));
    CHECK(s.run(h) == CUBLAS_STATUS_EXECUTION_FAILED);
  }
  {  // a workspace shorter than the size passed, and a freed output
    Small s(CUBLASLT_EPILOGUE_BIAS);
    Buf<uint8_t> ws(64);
    CHECK(s.run(h, ws.p, 128) == CUBLAS_STATUS_EXECUTION_FAILED);
    CHECK(s.run(h, ws.p, 64) == CUBLAS_STATUS_SUCCESS);
    flush();
    Small t(CUBLASLT_EPILOGUE_BIAS);
    cudaFree(t.d.p);
    CHECK(t.run(h) == CUBLAS_STATUS_EXECUTION_FAILED);
    t.d.p = nullptr;
  }
  {  // descriptors and scalars changed or destroyed after the call: the queued work owns copies
    Small s(CUBLASLT_EPILOGUE_RELU_BIAS);
    s.bias.p[0] = -10.0f;  // row 0: 3 - 10 < 0, so the ReLU zeroes it
    float alpha = 1, beta = 0;
    CHECK(cublasLtMatmul(h, s.call.desc, &alpha, s.a.p, s.call.a, s.b.p, s.call.b, &beta, s.c.p, s.call.c, s.d.p,
                         s.call.d, nullptr, nullptr, 0, nullptr) == CUBLAS_STATUS_SUCCESS);
    const float before = s.d.p[1];
    alpha = 100;
    set_attr(s.call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, uint32_t(CUBLASLT_EPILOGUE_DEFAULT));
    CHECK(cublasLtMatmulDescDestroy(s.call.desc) == CUBLAS_STATUS_SUCCESS);
    s.call.desc = nullptr;
    CHECK(std::isnan(before));  // deferred: nothing ran before the synchronization
    flush();
    CHECK(s.d.p[0] == 0.0f && s.d.p[2] == 0.0f);
    CHECK(s.d.p[1] == 3.5f && s.d.p[3] == 3.5f);
  }
}

}  // namespace

int main() {
  cublasLtHandle_t h = nullptr;
  CHECK(cublasLtCreate(&h) == CUBLAS_STATUS_SUCCESS);
  all_epilogues(h);
  beta_zero_ignores_c(h);
  statuses(h);
  planted_defects(h);
  CHECK(cublasLtDestroy(h) == CUBLAS_STATUS_SUCCESS);
  return jdnn_test::checks_summary();
}
