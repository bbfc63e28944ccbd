// Linear's forward as one cuBLASLt matmul whose epilogue adds the bias and
// applies the ReLU (CUBLASLT_EPILOGUE_BIAS / RELU / RELU_BIAS), instead of a
// GEMM followed by a bias-and-activation kernel: one vendor call, no launch, no
// second pass over the output. Used by matmul.cu's linear; the emulated twin of
// the library is emu/cublaslt.cpp.
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
    if (pref != nullptr) JDNN_CUBLAS(cublasLtMatmulPreferenceDestroy, pref);
    pref = nullptr;
    for (cublasLtMatrixLayout_t* l : {&a, &b, &d}) {
      if (*l != nullptr) JDNN_CUBLAS(cublasLtMatrixLayoutDestroy, *l);
      *l = nullptr;
    }
    if (desc != nullptr) JDNN_CUBLAS(cublasLtMatmulDescDestroy, desc);
    desc = nullptr;
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

cublasLtEpilogue_t epilogue_for(bool bias, bool relu) {
  if (bias) return relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
  return relu ? CUBLASLT_EPILOGUE_RELU : CUBLASLT_EPILOGUE_DEFAULT;
}

}  // namespace

template <class T>
bool linear_epilogue(Context& c, const T* x, const T* w, const T* bias, T* y, int64_t n, int64_t in, int64_t out,
                     bool relu) {
  // No inner dimension (the product is 0, y = bias) and sizes beyond the API's int range stay on
  // the GEMM-then-kernel path, which handles both.
  if (n == 0 || in == 0 || out == 0 || n > INT_MAX || in > INT_MAX || out > INT_MAX) return false;
  constexpr bool f32 = sizeof(T) == 4;
  const cudaDataType_t type = f32 ? CUDA_R_32F : CUDA_R_64F;
  const cublasComputeType_t compute =
      f32 ? (c.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F;
  LtDescriptors lt;
  JDNN_CUBLAS(cublasLtMatmulDescCreate, &lt.desc, compute, type);
  set(lt.desc, CUBLASLT_MATMUL_DESC_TRANSA, int32_t(CUBLAS_OP_T));
  set(lt.desc, CUBLASLT_MATMUL_DESC_TRANSB, int32_t(CUBLAS_OP_N));
  set(lt.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, static_cast<uint32_t>(epilogue_for(bias != nullptr, relu)));
  if (bias != nullptr) set(lt.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<const void*>(bias));
  JDNN_CUBLAS(cublasLtMatrixLayoutCreate, &lt.a, type, uint64_t(in), uint64_t(out), int64_t(in));
  JDNN_CUBLAS(cublasLtMatrixLayoutCreate, &lt.b, type, uint64_t(in), uint64_t(n), int64_t(in));
  JDNN_CUBLAS(cublasLtMatrixLayoutCreate, &lt.d, type, uint64_t(out), uint64_t(n), int64_t(out));
  JDNN_CUBLAS(cublasLtMatmulPreferenceCreate, &lt.pref);
  JDNN_CUBLAS(cublasLtMatmulPreferenceSetAttribute, lt.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
              &kMaxWorkspaceBytes, sizeof(kMaxWorkspaceBytes));
  // C is D (beta = 0: never read), so the heuristic sees D's layout for both.
  cublasLtMatmulHeuristicResult_t algo{};
  int found = 0;
  const cublasStatus_t st = vendor::vendor().cublasLtMatmulAlgoGetHeuristic(c.cublaslt, lt.desc, lt.a, lt.b, lt.d, lt.d,
                                                                    lt.pref, 1, &algo, &found);
  // No kernel for this configuration (a data type or alignment the library does not fuse): the caller
  // takes the unfused path. Any other failure is an error.
  if (st == CUBLAS_STATUS_NOT_SUPPORTED || (st == CUBLAS_STATUS_SUCCESS && found == 0)) {
    lt.release();
    return false;
  }
  if (st != CUBLAS_STATUS_SUCCESS) vendor::cublas_failure(st, "cublasLtMatmulAlgoGetHeuristic");
  void* workspace = algo.workspaceSize > 0 ? c.workspace(algo.workspaceSize) : nullptr;
  const T one = 1, zero = 0;
  JDNN_CUBLAS(cublasLtMatmul, c.cublaslt, lt.desc, &one, w, lt.a, x, lt.b, &zero, y, lt.d, y, lt.d, &algo.algo,
              workspace, algo.workspaceSize, c.stream);
  lt.release();
  return true;
}

template bool linear_epilogue<float>(Context&, const float*, const float*, const float*, float*, int64_t, int64_t,
                                     int64_t, bool);
template bool linear_epilogue<double>(Context&, const double*, const double*, const double*, double*, int64_t,
                                      int64_t, int64_t, bool);

}  // namespace jdnn::cuda
