// Linear's forward as one cuBLASLt matmul whose epilogue adds the bias
// (CUBLASLT_EPILOGUE_BIAS), instead of a GEMM followed by a bias kernel: one
// vendor call, no launch, no second pass over the output. The ReLU is not
// fused: cuBLASLt documents its RELU epilogue as max(x, 0), reported on NVIDIA's
// developer forum to give 0 for NaN (and emulated so), while jdnn's ReLU
// (PyTorch's) keeps NaN, fused Linear+ReLU included (ActivationNumericsTest);
// a fused ReLU stays one kernel after the matmul. Its weight gradient likewise, with the bias
// gradient from the BGRADB epilogue instead of a row-sum kernel. Used by
// matmul.cu's linear and linear_weight_grad; the emulated twin of the library
// is emu/cublaslt.cpp.
//
// Row-major y (N, out) = x W^T + b is the column-major D (out x N) = op(A) op(B)
// with A = W read as column-major (in x out), transposed, and B = x read as
// column-major (in x N); the bias then runs along D's rows, as the epilogue
// wants it (length: D's rows).
//
// Descriptors are host objects built per call and destroyed when it returns
// (cublasLtMatmul reads them at call time); creating, setting and the heuristic
// query are not counted as vendor calls (cuda/counters.h), the matmul is.
#include <climits>
#include <utility>

#include "cuda/cuda_backend.h"
#include "cuda/linear_epilogue.h"

namespace jdnn::cuda {

namespace {

using vendor::cublasComputeType_t;
using vendor::cublasLtEpilogue_t;
using vendor::cublasLtMatmulDesc_t;
using vendor::cublasLtMatmulDescAttributes_t;
using vendor::cublasLtMatmulHeuristicResult_t;
using vendor::cublasLtMatmulPreference_t;
using vendor::cublasLtMatrixLayout_t;
using vendor::cublasStatus_t;
using vendor::cudaDataType_t;
using namespace vendor;  // the enum values (CUBLAS_*, CUBLASLT_*, CUDA_R_*)

// The workspace the heuristic may choose algorithms for; cuBLASLt's guidance for Hopper is 32 MiB,
// less suffices for the small products this path sees. Allocated only when an algorithm asks for it.
constexpr uint64_t kMaxWorkspaceBytes = uint64_t(32) << 20;

// The host descriptors of one call; destroyed on every path out (statuses of the destroy calls
// are checked on the normal path, by release()).
struct LtDescriptors {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;

  void release() {
    // Each field is cleared before its destroy call, so a failing destroy is never repeated by the destructor.
    if (cublasLtMatmulPreference_t p = std::exchange(pref, nullptr)) JDNN_CUBLAS(cublasLtMatmulPreferenceDestroy, p);
    for (cublasLtMatrixLayout_t* l : {&a, &b, &d})
      if (cublasLtMatrixLayout_t layout = std::exchange(*l, nullptr)) JDNN_CUBLAS(cublasLtMatrixLayoutDestroy, layout);
    if (cublasLtMatmulDesc_t m = std::exchange(desc, nullptr)) JDNN_CUBLAS(cublasLtMatmulDescDestroy, m);
  }
  // Unwinding after a failure: nothing more can be reported, the failure already is.
  ~LtDescriptors() {
    const vendor::VendorTable& v = vendor::vendor();
    if (pref != nullptr) v.cublasLtMatmulPreferenceDestroy(pref);
    for (cublasLtMatrixLayout_t l : {a, b, d})
      if (l != nullptr) v.cublasLtMatrixLayoutDestroy(l);
    if (desc != nullptr) v.cublasLtMatmulDescDestroy(desc);
  }
};

template <class T>
void set(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attr, const T& value) {
  JDNN_CUBLAS(cublasLtMatmulDescSetAttribute, desc, attr, &value, sizeof(T));
}


// One column-major D (m x n) = alpha op(A) op(B) + beta D with an epilogue; A is (a_rows x a_cols), B
// (b_rows x b_cols), each with its row count as leading dimension. false when the heuristic finds no kernel.
struct LtProblem {
  bool trans_a, trans_b;
  uint64_t a_rows, a_cols, b_rows, b_cols, m, n;
  cublasLtEpilogue_t epilogue;
  const void* bias;  // bias (BIAS forms) or the bias gradient's output (BGRAD forms), may be null
};

template <class T>
bool run_lt(Context& c, const LtProblem& p, const T* a, const T* b, T* d, T alpha, T beta) {
  constexpr bool f32 = sizeof(T) == 4;
  const cudaDataType_t type = f32 ? CUDA_R_32F : CUDA_R_64F;
  const cublasComputeType_t compute =
      f32 ? (c.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F;
  LtDescriptors lt;
  JDNN_CUBLAS(cublasLtMatmulDescCreate, &lt.desc, compute, type);
  set(lt.desc, CUBLASLT_MATMUL_DESC_TRANSA, int32_t(p.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N));
  set(lt.desc, CUBLASLT_MATMUL_DESC_TRANSB, int32_t(p.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N));
  set(lt.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, static_cast<uint32_t>(p.epilogue));
  if (p.bias != nullptr) set(lt.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, p.bias);
  JDNN_CUBLAS(cublasLtMatrixLayoutCreate, &lt.a, type, p.a_rows, p.a_cols, int64_t(p.a_rows));
  JDNN_CUBLAS(cublasLtMatrixLayoutCreate, &lt.b, type, p.b_rows, p.b_cols, int64_t(p.b_rows));
  JDNN_CUBLAS(cublasLtMatrixLayoutCreate, &lt.d, type, p.m, p.n, int64_t(p.m));
  JDNN_CUBLAS(cublasLtMatmulPreferenceCreate, &lt.pref);
  JDNN_CUBLAS(cublasLtMatmulPreferenceSetAttribute, lt.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
              &kMaxWorkspaceBytes, sizeof(kMaxWorkspaceBytes));
  // C is D (in place, same layout), so the heuristic sees D's layout for both.
  cublasLtMatmulHeuristicResult_t algo{};
  int found = 0;
  const cublasStatus_t st = vendor::vendor().cublasLtMatmulAlgoGetHeuristic(c.cublaslt, lt.desc, lt.a, lt.b, lt.d,
                                                                            lt.d, lt.pref, 1, &algo, &found);
  // No kernel for this configuration (a data type, transpose or alignment the library does not fuse):
  // the caller takes the unfused path. Any other failure is an error.
  if (st == CUBLAS_STATUS_NOT_SUPPORTED || (st == CUBLAS_STATUS_SUCCESS && found == 0)) {
    lt.release();
    return false;
  }
  if (st != CUBLAS_STATUS_SUCCESS) vendor::cublas_failure(st, "cublasLtMatmulAlgoGetHeuristic");
  void* workspace = algo.workspaceSize > 0 ? c.workspace(algo.workspaceSize) : nullptr;
  JDNN_CUBLAS(cublasLtMatmul, c.cublaslt, lt.desc, &alpha, a, lt.a, b, lt.b, &beta, d, lt.d, d, lt.d, &algo.algo,
              workspace, algo.workspaceSize, c.stream);
  lt.release();
  return true;
}

// Sizes the API takes as int in practice (the layouts are uint64_t, the kernels are not).
bool fits(int64_t n, int64_t in, int64_t out) {
  return n > 0 && in > 0 && out > 0 && n <= INT_MAX && in <= INT_MAX && out <= INT_MAX;
}

}  // namespace

template <class T>
bool linear_epilogue(Context& c, const T* x, const T* w, const T* bias, T* y, int64_t n, int64_t in, int64_t out) {
  // No inner dimension (the product is 0, y = bias) and sizes beyond the API's int range stay on
  // the GEMM-then-kernel path, which handles both.
  if (!fits(n, in, out)) return false;
  // D (out x N) = op(A) op(B): A = W read column-major as (in x out), transposed; B = x read as (in x N).
  const LtProblem p{true, false, uint64_t(in), uint64_t(out), uint64_t(in), uint64_t(n), uint64_t(out), uint64_t(n),
                    bias != nullptr ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT, bias};
  return run_lt<T>(c, p, w, x, y, T(1), T(0));
}

// Row-major dw (out, in) = g^T x is the column-major D (in x out) = op(A) op(B) with A = x read as
// (in x N), untransposed, and B = g read as (out x N), transposed. BGRADB sums op(B) (N x out) over
// k = N: db[j] = sum over n of g[n, j], the bias gradient, of length D's columns (out).
template <class T>
bool linear_weight_grad_epilogue(Context& c, const T* g, const T* x, T* dw, T beta, T* db, int64_t n, int64_t in,
                                 int64_t out) {
  if (!fits(n, in, out)) return false;
  const LtProblem p{false, true, uint64_t(in), uint64_t(n), uint64_t(out), uint64_t(n), uint64_t(in), uint64_t(out),
                    CUBLASLT_EPILOGUE_BGRADB, db};
  return run_lt<T>(c, p, x, g, dw, T(1), beta);
}

template bool linear_epilogue<float>(Context&, const float*, const float*, const float*, float*, int64_t, int64_t,
                                     int64_t);
template bool linear_epilogue<double>(Context&, const double*, const double*, const double*, double*, int64_t,
                                      int64_t, int64_t);
template bool linear_weight_grad_epilogue<float>(Context&, const float*, const float*, float*, float, float*,
                                                 int64_t, int64_t, int64_t);
template bool linear_weight_grad_epilogue<double>(Context&, const double*, const double*, double*, double, double*,
                                                  int64_t, int64_t, int64_t);

}  // namespace jdnn::cuda
