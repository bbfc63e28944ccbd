// CPU emulation of the cuBLAS entries in the vendor table, written from the
// cuBLAS API reference: column-major storage, op(X) = X, X^T or X^H (X^T for
// real types), C = alpha op(A) op(B) + beta C, where beta == 0 means C is
// written without being read (NaN or garbage there does not reach the result).
// Argument checks return CUBLAS_STATUS_INVALID_VALUE as the reference lists them.
//
// Accuracy: products are summed in double for every input type, then rounded
// once to C's type, so the emulation is at least as accurate as the library.
// Emulated math modes: with CUBLAS_TF32_TENSOR_OP_MATH (single precision
// routines) or CUBLAS_COMPUTE_32F_FAST_TF32 (cublasGemmEx) float inputs are
// first rounded to TF32 (10 explicit mantissa bits, nearest, ties away from
// zero), which is what the tensor cores multiply.
//
// Each call checks its arguments at once and returns their status, as the
// library does; the product itself is queued on the handle's stream
// (jdnn::cuda::emu::enqueue) and computed when the stream's work runs, as on a
// GPU. The queued work owns what it reads from the caller's host memory (alpha
// and beta, read at call time: the default host pointer mode) and the math
// mode in force at the call; device operands are read when it runs.
// Operands must lie in emulated device memory (cudaMalloc) over the whole
// extent m, n, k, the leading dimensions and the batch strides reach; a host
// pointer or a short buffer fails with CUBLAS_STATUS_EXECUTION_FAILED, the
// emulation's stand-in for the illegal-address fault a GPU would raise.
//
// Version reported by cublasGetProperty: 13.1.0 (the API level emulated).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cuda/emu/vendor_emu.h"

namespace jdnn::vendor {

struct cublasContext {
  cudaStream_t stream = nullptr;
  cublasMath_t math = CUBLAS_DEFAULT_MATH;
};

namespace emu {
namespace {

constexpr int kMajor = 13, kMinor = 1, kPatch = 0;

inline float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// IEEE binary16 to float, written apart from kernels/half.h so the emulation checks the rounding
// kernels instead of sharing their decoder.
inline float f16_to_float(uint16_t h) {
  const int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // zero and subnormals
  } else if (exp == 31) {
    v = mant != 0 ? NAN : INFINITY;
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  }
  return (h & 0x8000) != 0 ? -v : v;
}

bool valid_op(cublasOperation_t op) { return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C; }

// An operand as the GEMM reads it: element (r, c) of op(X) for the column-major X.
struct Operand {
  const void* data;
  cudaDataType_t type;
  int ld;
  bool trans;  // T and C are the same for real types
  bool tf32;

  double at(int64_t r, int64_t c) const {
    const int64_t i = trans ? c + r * int64_t(ld) : r + c * int64_t(ld);
    switch (type) {
      case CUDA_R_32F: {
        const float v = static_cast<const float*>(data)[i];
        return tf32 ? to_tf32(v) : v;
      }
      case CUDA_R_64F: return static_cast<const double*>(data)[i];
      case CUDA_R_16BF: return bf16_to_float(static_cast<const uint16_t*>(data)[i]);
      case CUDA_R_16F: return f16_to_float(static_cast<const uint16_t*>(data)[i]);
      default: return NAN;
    }
  }
};

size_t type_size(cudaDataType_t t) {
  switch (t) {
    case CUDA_R_32F: return 4;
    case CUDA_R_64F: return 8;
    case CUDA_R_16BF:
    case CUDA_R_16F: return 2;
  }
  return 0;
}

// Elements spanned by a column-major rows x cols matrix with leading dimension ld.
size_t span(int64_t rows, int64_t cols, int ld) {
  return rows == 0 || cols == 0 ? 0 : static_cast<size_t>((cols - 1) * int64_t(ld) + rows);
}

bool in_device_memory(const void* p, int64_t rows, int64_t cols, int ld, cudaDataType_t t) {
  const size_t n = span(rows, cols, ld);
  return n == 0 || (p != nullptr && jdnn::cuda::emu::is_device_range(p, n * type_size(t)));
}

struct Gemm {
  cublasOperation_t ta, tb;
  int m, n, k;
  const void *A, *B;
  void* C;
  cudaDataType_t at, bt, ct;
  int lda, ldb, ldc;
};

// The reference's argument checks, shared by every GEMM entry.
cublasStatus_t check(cublasHandle_t handle, const Gemm& g, const void* alpha, const void* beta) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (g.m < 0 || g.n < 0 || g.k < 0 || !valid_op(g.ta) || !valid_op(g.tb)) return CUBLAS_STATUS_INVALID_VALUE;
  const int a_rows = g.ta == CUBLAS_OP_N ? g.m : g.k;
  const int b_rows = g.tb == CUBLAS_OP_N ? g.k : g.n;
  if (g.lda < std::max(1, a_rows) || g.ldb < std::max(1, b_rows) || g.ldc < std::max(1, g.m))
    return CUBLAS_STATUS_INVALID_VALUE;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  return CUBLAS_STATUS_SUCCESS;
}

// Whether every operand the product touches lies in live device memory of sufficient size
// (A and B are not read when k is 0 or alpha is 0; C is not touched when m or n is 0).
bool operands_on_device(const Gemm& g, double alpha) {
  if (g.m == 0 || g.n == 0) return true;
  const bool ta = g.ta != CUBLAS_OP_N, tb = g.tb != CUBLAS_OP_N;
  const bool reads_ab = g.k > 0 && alpha != 0.0;
  return in_device_memory(g.C, g.m, g.n, g.ldc, g.ct) &&
         (!reads_ab || (in_device_memory(g.A, ta ? g.k : g.m, ta ? g.m : g.k, g.lda, g.at) &&
                        in_device_memory(g.B, tb ? g.n : g.k, tb ? g.k : g.n, g.ldb, g.bt)));
}

// The product itself, on operands already checked; alpha and beta as doubles of the scale type.
void compute(const Gemm& g, double alpha, double beta, bool tf32) {
  if (g.m == 0 || g.n == 0) return;
  const bool ta = g.ta != CUBLAS_OP_N, tb = g.tb != CUBLAS_OP_N;
  const bool reads_ab = g.k > 0 && alpha != 0.0;
  const Operand a{g.A, g.at, g.lda, ta, tf32 && g.at == CUDA_R_32F};
  const Operand b{g.B, g.bt, g.ldb, tb, tf32 && g.bt == CUDA_R_32F};
  // op(A) by rows and op(B) by columns, so each dot product walks contiguous memory.
  std::vector<double> arow, bcol;
  if (reads_ab) {
    arow.resize(static_cast<size_t>(g.m) * g.k);
    bcol.resize(static_cast<size_t>(g.n) * g.k);
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t l = 0; l < g.k; ++l) arow[i * g.k + l] = a.at(i, l);
    for (int64_t j = 0; j < g.n; ++j)
      for (int64_t l = 0; l < g.k; ++l) bcol[j * g.k + l] = b.at(l, j);
  }
  for (int64_t j = 0; j < g.n; ++j) {
    for (int64_t i = 0; i < g.m; ++i) {
      double acc = 0;
      if (reads_ab) {
        const double* ar = arow.data() + i * g.k;
        const double* bc = bcol.data() + j * g.k;
        for (int64_t l = 0; l < g.k; ++l) acc += ar[l] * bc[l];
        acc *= alpha;
      }
      const int64_t at = i + j * int64_t(g.ldc);
      if (g.ct == CUDA_R_64F) {
        double* c = static_cast<double*>(g.C) + at;
        *c = beta == 0.0 ? acc : acc + beta * *c;
      } else {
        float* c = static_cast<float*>(g.C) + at;
        *c = static_cast<float>(beta == 0.0 ? acc : acc + beta * static_cast<double>(*c));
      }
    }
  }
}

// Checks the operands of every batch now and queues their products on the handle's stream.
// The queued work holds copies of the batches, scalars and math choice, nothing of the caller's.
cublasStatus_t submit(cublasHandle_t handle, const char* what, std::vector<Gemm> batches, double alpha, double beta,
                      bool tf32) {
  for (const Gemm& g : batches)
    if (!operands_on_device(g, alpha)) return CUBLAS_STATUS_EXECUTION_FAILED;
  jdnn::cuda::emu::enqueue(handle->stream, what, [batches = std::move(batches), alpha, beta, tf32] {
    for (const Gemm& g : batches) compute(g, alpha, beta, tf32);
  });
  return CUBLAS_STATUS_SUCCESS;
}

template <class T>
cublasStatus_t gemm_typed(cublasHandle_t handle, const char* what, cudaDataType_t type, cublasOperation_t transa,
                          cublasOperation_t transb, int m, int n, int k, const T* alpha, const T* A, int lda,
                          const T* B, int ldb, const T* beta, T* C, int ldc) {
  const Gemm g{transa, transb, m, n, k, A, B, C, type, type, type, lda, ldb, ldc};
  const cublasStatus_t st = check(handle, g, alpha, beta);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  const bool tf32 = type == CUDA_R_32F && handle->math == CUBLAS_TF32_TENSOR_OP_MATH;
  return submit(handle, what, {g}, *alpha, *beta, tf32);
}

template <class T>
cublasStatus_t gemm_strided(cublasHandle_t handle, const char* what, cudaDataType_t type, cublasOperation_t transa,
                            cublasOperation_t transb, int m, int n, int k, const T* alpha, const T* A, int lda,
                            long long strideA, const T* B, int ldb, long long strideB, const T* beta, T* C,
                            int ldc, long long strideC, int batchCount) {
  const Gemm first{transa, transb, m, n, k, A, B, C, type, type, type, lda, ldb, ldc};
  const cublasStatus_t st = check(handle, first, alpha, beta);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  if (batchCount < 0) return CUBLAS_STATUS_INVALID_VALUE;
  const bool tf32 = type == CUDA_R_32F && handle->math == CUBLAS_TF32_TENSOR_OP_MATH;
  std::vector<Gemm> batches(static_cast<size_t>(batchCount), first);
  for (int i = 0; i < batchCount; ++i) {
    batches[i].A = A + i * strideA;
    batches[i].B = B + i * strideB;
    batches[i].C = C + i * strideC;
  }
  return submit(handle, what, std::move(batches), *alpha, *beta, tf32);
}

}  // namespace

cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
  if (handle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *handle = new cublasContext();
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (mode != CUBLAS_DEFAULT_MATH && mode != CUBLAS_PEDANTIC_MATH && mode != CUBLAS_TF32_TENSOR_OP_MATH)
    return CUBLAS_STATUS_INVALID_VALUE;
  handle->math = mode;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetProperty(libraryPropertyType type, int* value) {
  if (value == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  switch (type) {
    case MAJOR_VERSION: *value = kMajor; return CUBLAS_STATUS_SUCCESS;
    case MINOR_VERSION: *value = kMinor; return CUBLAS_STATUS_SUCCESS;
    case PATCH_LEVEL: *value = kPatch; return CUBLAS_STATUS_SUCCESS;
  }
  return CUBLAS_STATUS_INVALID_VALUE;
}

const char* cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
                              int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb,
                              const float* beta, float* C, int ldc) {
  return gemm_typed(handle, "cublasSgemm_v2", CUDA_R_32F, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C,
                    ldc);
}

cublasStatus_t cublasDgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
                              int n, int k, const double* alpha, const double* A, int lda, const double* B, int ldb,
                              const double* beta, double* C, int ldc) {
  return gemm_typed(handle, "cublasDgemm_v2", CUDA_R_64F, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C,
                    ldc);
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                         int m, int n, int k, const float* alpha, const float* A, int lda,
                                         long long int strideA, const float* B, int ldb, long long int strideB,
                                         const float* beta, float* C, int ldc, long long int strideC,
                                         int batchCount) {
  return gemm_strided(handle, "cublasSgemmStridedBatched", CUDA_R_32F, transa, transb, m, n, k, alpha, A, lda, strideA,
                      B, ldb, strideB, beta, C, ldc, strideC, batchCount);
}

cublasStatus_t cublasDgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                         int m, int n, int k, const double* alpha, const double* A, int lda,
                                         long long int strideA, const double* B, int ldb, long long int strideB,
                                         const double* beta, double* C, int ldc, long long int strideC,
                                         int batchCount) {
  return gemm_strided(handle, "cublasDgemmStridedBatched", CUDA_R_64F, transa, transb, m, n, k, alpha, A, lda, strideA,
                      B, ldb, strideB, beta, C, ldc, strideC, batchCount);
}

// The combinations the backend uses: float32 throughout (COMPUTE_32F or its
// TF32 variant), bf16 or float16 A and B with float32 C (COMPUTE_32F), float64 throughout
// (COMPUTE_64F). Scale factors are float for the 32F compute types, double for
// 64F, as the reference specifies. Others report NOT_SUPPORTED.
cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                            int k, const void* alpha, const void* A, cudaDataType_t Atype, int lda, const void* B,
                            cudaDataType_t Btype, int ldb, const void* beta, void* C, cudaDataType_t Ctype, int ldc,
                            cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
  const Gemm g{transa, transb, m, n, k, A, B, C, Atype, Btype, Ctype, lda, ldb, ldc};
  const cublasStatus_t st = check(handle, g, alpha, beta);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  if (algo != CUBLAS_GEMM_DEFAULT) return CUBLAS_STATUS_NOT_SUPPORTED;
  const bool all32 = Atype == CUDA_R_32F && Btype == CUDA_R_32F && Ctype == CUDA_R_32F;
  const bool bf16 = Atype == CUDA_R_16BF && Btype == CUDA_R_16BF && Ctype == CUDA_R_32F;
  const bool f16 = Atype == CUDA_R_16F && Btype == CUDA_R_16F && Ctype == CUDA_R_32F;
  const bool all64 = Atype == CUDA_R_64F && Btype == CUDA_R_64F && Ctype == CUDA_R_64F;
  if (computeType == CUBLAS_COMPUTE_64F) {
    if (!all64) return CUBLAS_STATUS_NOT_SUPPORTED;
    return submit(handle, "cublasGemmEx", {g}, *static_cast<const double*>(alpha), *static_cast<const double*>(beta),
                  false);
  }
  if (computeType == CUBLAS_COMPUTE_32F || computeType == CUBLAS_COMPUTE_32F_FAST_TF32) {
    if (!all32 && !bf16 && !f16) return CUBLAS_STATUS_NOT_SUPPORTED;
    const bool tf32 = all32 && computeType == CUBLAS_COMPUTE_32F_FAST_TF32;
    return submit(handle, "cublasGemmEx", {g}, *static_cast<const float*>(alpha), *static_cast<const float*>(beta),
                  tf32);
  }
  return CUBLAS_STATUS_NOT_SUPPORTED;
}

}  // namespace emu
}  // namespace jdnn::vendor
