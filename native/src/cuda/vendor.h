// The cuBLAS and cuDNN subset the CUDA backend uses, declared by the project so
// that building needs no NVIDIA header beyond the CUDA runtime. Names, enum
// values and signatures are those of the cuBLAS 12/13 and cuDNN 9 API
// references; vendor_check.cpp compares every one of them with the real headers
// whenever those are present at build time (any GPU machine with the SDKs).
//
// Checked by hand against NVIDIA's headers (2026-11): the cuBLAS part against
// CUDA 13.0's cublas_api.h (cuBLAS 13.0.0) and library_types.h, cuBLAS 12's
// GemmEx/StridedBatched signatures being unchanged in 13; the cuBLASLt part
// (2026-12) against cuBLAS 13.0's and 12.6's cublasLt.h, identical in every
// entry, value and struct declared here; the cuDNN part
// against cuDNN 9.6.0's cudnn_graph.h, cudnn_ops.h, cudnn_cnn.h and
// cudnn_version.h (version = major * 10000 + minor * 100 + patch since 9.0); the activation
// descriptor, cudnnActivationMode_t, cudnnNanPropagation_t and cudnnConvolutionBiasActivationForward
// (2026-12) against the same cuDNN 9.6.0 headers.
//
// The backend never calls a cuBLAS or cuDNN symbol directly: it calls through
// vendor(), a table of function pointers bound once, either to the real
// libraries (vendor_load.cpp: dlopen of libcublas / libcudnn) or to the CPU
// emulation (emu/vendor_emu.cpp). The table's library column names the shared
// library an entry comes from: cublas (libcublas), cublasLt (libcublasLt, which
// libcublas itself depends on) or cudnn.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "cuda/runtime.h"

namespace jdnn::vendor {

// ---- shared library types (library_types.h) ----------------------------------
enum cudaDataType_t : int { CUDA_R_32F = 0, CUDA_R_64F = 1, CUDA_R_16F = 2, CUDA_R_16BF = 14 };
enum libraryPropertyType : int { MAJOR_VERSION = 0, MINOR_VERSION = 1, PATCH_LEVEL = 2 };

// ---- cuBLAS (cublas_api.h) ------------------------------------------------------
struct cublasContext;
typedef cublasContext* cublasHandle_t;

enum cublasStatus_t : int {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_ALLOC_FAILED = 3,
  CUBLAS_STATUS_INVALID_VALUE = 7,
  CUBLAS_STATUS_ARCH_MISMATCH = 8,
  CUBLAS_STATUS_MAPPING_ERROR = 11,
  CUBLAS_STATUS_EXECUTION_FAILED = 13,
  CUBLAS_STATUS_INTERNAL_ERROR = 14,
  CUBLAS_STATUS_NOT_SUPPORTED = 15,
  CUBLAS_STATUS_LICENSE_ERROR = 16,
};
enum cublasOperation_t : int { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 };
enum cublasMath_t : int {
  CUBLAS_DEFAULT_MATH = 0,
  CUBLAS_PEDANTIC_MATH = 2,
  CUBLAS_TF32_TENSOR_OP_MATH = 3,
};
enum cublasComputeType_t : int {
  CUBLAS_COMPUTE_32F = 68,
  CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
  CUBLAS_COMPUTE_64F = 70,
};
enum cublasGemmAlgo_t : int { CUBLAS_GEMM_DEFAULT = -1 };

// ---- cuBLASLt (cublasLt.h) -------------------------------------------------------
// Only what the fused Linear uses: one matmul descriptor with an epilogue, three
// layouts, a preference capping the workspace, one heuristic query per call.
struct cublasLtContext;
typedef cublasLtContext* cublasLtHandle_t;
// The descriptors are "semi-opaque": plain structs of the sizes below, which the
// library allocates in the *Create calls (and which users may also place themselves).
struct cublasLtMatrixLayoutOpaque_t {
  uint64_t data[8];
};
typedef cublasLtMatrixLayoutOpaque_t* cublasLtMatrixLayout_t;
struct cublasLtMatmulDescOpaque_t {
  uint64_t data[32];
};
typedef cublasLtMatmulDescOpaque_t* cublasLtMatmulDesc_t;
struct cublasLtMatmulPreferenceOpaque_t {
  uint64_t data[8];
};
typedef cublasLtMatmulPreferenceOpaque_t* cublasLtMatmulPreference_t;
struct cublasLtMatmulAlgo_t {
  uint64_t data[8];
};
struct cublasLtMatmulHeuristicResult_t {
  cublasLtMatmulAlgo_t algo;
  size_t workspaceSize;  // device workspace the algorithm needs
  cublasStatus_t state;  // the other fields are valid only when this is success
  float wavesCount;
  int reserved[4];
};
// Attribute types (header comments): TRANSA/TRANSB int32_t, EPILOGUE uint32_t,
// BIAS_POINTER and EPILOGUE_AUX_POINTER a pointer, EPILOGUE_AUX_LD int64_t.
enum cublasLtMatmulDescAttributes_t : int {
  CUBLASLT_MATMUL_DESC_TRANSA = 3,
  CUBLASLT_MATMUL_DESC_TRANSB = 4,
  CUBLASLT_MATMUL_DESC_EPILOGUE = 7,
  CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8,
  CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER = 11,
  CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD = 12,
};
// MAX_WORKSPACE_BYTES is a uint64_t (default 0: no workspace).
enum cublasLtMatmulPreferenceAttributes_t : int { CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1 };
enum cublasLtEpilogue_t : int {
  CUBLASLT_EPILOGUE_DEFAULT = 1,
  CUBLASLT_EPILOGUE_RELU = 2,
  CUBLASLT_EPILOGUE_RELU_AUX = 2 | 128,
  CUBLASLT_EPILOGUE_BIAS = 4,
  CUBLASLT_EPILOGUE_RELU_BIAS = 2 | 4,
  CUBLASLT_EPILOGUE_RELU_AUX_BIAS = 2 | 128 | 4,
  CUBLASLT_EPILOGUE_DRELU = 8 | 128,
  CUBLASLT_EPILOGUE_DRELU_BGRAD = 8 | 128 | 16,
  CUBLASLT_EPILOGUE_BGRADA = 256,
  CUBLASLT_EPILOGUE_BGRADB = 512,
};

// ---- cuDNN 9 (cudnn_graph.h, cudnn_ops.h, cudnn_cnn.h) --------------------------
struct cudnnContext;
typedef cudnnContext* cudnnHandle_t;
struct cudnnTensorStruct;
typedef cudnnTensorStruct* cudnnTensorDescriptor_t;
struct cudnnFilterStruct;
typedef cudnnFilterStruct* cudnnFilterDescriptor_t;
struct cudnnConvolutionStruct;
typedef cudnnConvolutionStruct* cudnnConvolutionDescriptor_t;
struct cudnnActivationStruct;
typedef cudnnActivationStruct* cudnnActivationDescriptor_t;

enum cudnnStatus_t : int {
  CUDNN_STATUS_SUCCESS = 0,
  CUDNN_STATUS_NOT_INITIALIZED = 1001,
  CUDNN_STATUS_BAD_PARAM = 2000,
  CUDNN_STATUS_NOT_SUPPORTED = 3000,
  CUDNN_STATUS_INTERNAL_ERROR = 4000,
  CUDNN_STATUS_EXECUTION_FAILED = 5000,
};
enum cudnnDataType_t : int { CUDNN_DATA_FLOAT = 0, CUDNN_DATA_DOUBLE = 1, CUDNN_DATA_HALF = 2, CUDNN_DATA_BFLOAT16 = 9 };
enum cudnnTensorFormat_t : int { CUDNN_TENSOR_NCHW = 0, CUDNN_TENSOR_NHWC = 1 };
enum cudnnConvolutionMode_t : int { CUDNN_CONVOLUTION = 0, CUDNN_CROSS_CORRELATION = 1 };
enum cudnnMathType_t : int {
  CUDNN_DEFAULT_MATH = 0,
  CUDNN_TENSOR_OP_MATH = 1,
  CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2,
  CUDNN_FMA_MATH = 3,
};
// The activations the fused convolution (cudnnConvolutionBiasActivationForward) is given:
// RELU, IDENTITY (which that call runs only with CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM),
// and TANH, which it does not take (the emulation's refusal test uses it).
enum cudnnActivationMode_t : int { CUDNN_ACTIVATION_RELU = 1, CUDNN_ACTIVATION_TANH = 2, CUDNN_ACTIVATION_IDENTITY = 5 };
enum cudnnNanPropagation_t : int { CUDNN_NOT_PROPAGATE_NAN = 0, CUDNN_PROPAGATE_NAN = 1 };
enum cudnnDeterminism_t : int { CUDNN_NON_DETERMINISTIC = 0, CUDNN_DETERMINISTIC = 1 };
enum cudnnConvolutionFwdAlgo_t : int {
  CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM = 0,
  CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM = 1,
  CUDNN_CONVOLUTION_FWD_ALGO_GEMM = 2,
  CUDNN_CONVOLUTION_FWD_ALGO_DIRECT = 3,
  CUDNN_CONVOLUTION_FWD_ALGO_FFT = 4,
  CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING = 5,
  CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD = 6,
  CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED = 7,
  CUDNN_CONVOLUTION_FWD_ALGO_COUNT = 8,
};
enum cudnnConvolutionBwdDataAlgo_t : int {
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 = 0,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_1 = 1,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT = 2,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING = 3,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD = 4,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED = 5,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT = 6,
};
enum cudnnConvolutionBwdFilterAlgo_t : int {
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 = 0,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 = 1,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT = 2,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3 = 3,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD = 4,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED = 5,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING = 6,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT = 7,
};
enum cudnnSoftmaxAlgorithm_t : int { CUDNN_SOFTMAX_FAST = 0, CUDNN_SOFTMAX_ACCURATE = 1, CUDNN_SOFTMAX_LOG = 2 };
enum cudnnSoftmaxMode_t : int { CUDNN_SOFTMAX_MODE_INSTANCE = 0, CUDNN_SOFTMAX_MODE_CHANNEL = 1 };
enum cudnnBatchNormMode_t : int {
  CUDNN_BATCHNORM_PER_ACTIVATION = 0,
  CUDNN_BATCHNORM_SPATIAL = 1,
  CUDNN_BATCHNORM_SPATIAL_PERSISTENT = 2,
};
// cuDNN rejects a batch-norm epsilon below this (cudnn_ops.h CUDNN_BN_MIN_EPSILON).
constexpr double CUDNN_BN_MIN_EPSILON = 0.0;

struct cudnnConvolutionFwdAlgoPerf_t {
  cudnnConvolutionFwdAlgo_t algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  cudnnDeterminism_t determinism;
  cudnnMathType_t mathType;
  int reserved[3];
};
struct cudnnConvolutionBwdDataAlgoPerf_t {
  cudnnConvolutionBwdDataAlgo_t algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  cudnnDeterminism_t determinism;
  cudnnMathType_t mathType;
  int reserved[3];
};
struct cudnnConvolutionBwdFilterAlgoPerf_t {
  cudnnConvolutionBwdFilterAlgo_t algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  cudnnDeterminism_t determinism;
  cudnnMathType_t mathType;
  int reserved[3];
};

// ---- the table ------------------------------------------------------------------
// One entry per vendor function, named as the exported symbol it binds to.
// JDNN_VENDOR_FUNCTIONS(X) expands X(library, name, return type, parameter list)
// for every entry; the loader, the emulation and the header check all iterate it.
#define JDNN_VENDOR_FUNCTIONS(X)                                                                          \
  X(cublas, cublasCreate_v2, cublasStatus_t, (cublasHandle_t * handle))                                   \
  X(cublas, cublasDestroy_v2, cublasStatus_t, (cublasHandle_t handle))                                    \
  X(cublas, cublasSetStream_v2, cublasStatus_t, (cublasHandle_t handle, cudaStream_t stream))             \
  X(cublas, cublasSetMathMode, cublasStatus_t, (cublasHandle_t handle, cublasMath_t mode))                \
  X(cublas, cublasGetProperty, cublasStatus_t, (libraryPropertyType type, int* value))                    \
  X(cublas, cublasGetStatusString, const char*, (cublasStatus_t status))                                  \
  X(cublas, cublasSgemm_v2, cublasStatus_t,                                                               \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,      \
     const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta, float* C,   \
     int ldc))                                                                                            \
  X(cublas, cublasDgemm_v2, cublasStatus_t,                                                               \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,      \
     const double* alpha, const double* A, int lda, const double* B, int ldb, const double* beta,         \
     double* C, int ldc))                                                                                 \
  X(cublas, cublasSgemmStridedBatched, cublasStatus_t,                                                    \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,      \
     const float* alpha, const float* A, int lda, long long int strideA, const float* B, int ldb,         \
     long long int strideB, const float* beta, float* C, int ldc, long long int strideC, int batchCount)) \
  X(cublas, cublasDgemmStridedBatched, cublasStatus_t,                                                    \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,      \
     const double* alpha, const double* A, int lda, long long int strideA, const double* B, int ldb,      \
     long long int strideB, const double* beta, double* C, int ldc, long long int strideC,                \
     int batchCount))                                                                                     \
  X(cublas, cublasGemmEx, cublasStatus_t,                                                                 \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,      \
     const void* alpha, const void* A, cudaDataType_t Atype, int lda, const void* B, cudaDataType_t Btype, \
     int ldb, const void* beta, void* C, cudaDataType_t Ctype, int ldc, cublasComputeType_t computeType,  \
     cublasGemmAlgo_t algo))                                                                              \
  X(cublasLt, cublasLtCreate, cublasStatus_t, (cublasLtHandle_t * lightHandle))                          \
  X(cublasLt, cublasLtDestroy, cublasStatus_t, (cublasLtHandle_t lightHandle))                            \
  X(cublasLt, cublasLtMatmulDescCreate, cublasStatus_t,                                                   \
    (cublasLtMatmulDesc_t * matmulDesc, cublasComputeType_t computeType, cudaDataType_t scaleType))       \
  X(cublasLt, cublasLtMatmulDescDestroy, cublasStatus_t, (cublasLtMatmulDesc_t matmulDesc))               \
  X(cublasLt, cublasLtMatmulDescSetAttribute, cublasStatus_t,                                             \
    (cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr, const void* buf,               \
     size_t sizeInBytes))                                                                                 \
  X(cublasLt, cublasLtMatrixLayoutCreate, cublasStatus_t,                                                 \
    (cublasLtMatrixLayout_t * matLayout, cudaDataType_t type, uint64_t rows, uint64_t cols, int64_t ld))  \
  X(cublasLt, cublasLtMatrixLayoutDestroy, cublasStatus_t, (cublasLtMatrixLayout_t matLayout))            \
  X(cublasLt, cublasLtMatmulPreferenceCreate, cublasStatus_t, (cublasLtMatmulPreference_t * pref))        \
  X(cublasLt, cublasLtMatmulPreferenceDestroy, cublasStatus_t, (cublasLtMatmulPreference_t pref))         \
  X(cublasLt, cublasLtMatmulPreferenceSetAttribute, cublasStatus_t,                                       \
    (cublasLtMatmulPreference_t pref, cublasLtMatmulPreferenceAttributes_t attr, const void* buf,         \
     size_t sizeInBytes))                                                                                 \
  X(cublasLt, cublasLtMatmulAlgoGetHeuristic, cublasStatus_t,                                             \
    (cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc, cublasLtMatrixLayout_t Adesc,      \
     cublasLtMatrixLayout_t Bdesc, cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc,            \
     cublasLtMatmulPreference_t preference, int requestedAlgoCount,                                       \
     cublasLtMatmulHeuristicResult_t heuristicResultsArray[], int* returnAlgoCount))                      \
  X(cublasLt, cublasLtMatmul, cublasStatus_t,                                                             \
    (cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void* alpha, const void* A,    \
     cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc, const void* beta,         \
     const void* C, cublasLtMatrixLayout_t Cdesc, void* D, cublasLtMatrixLayout_t Ddesc,                  \
     const cublasLtMatmulAlgo_t* algo, void* workspace, size_t workspaceSizeInBytes, cudaStream_t stream)) \
  X(cudnn, cudnnGetVersion, size_t, ())                                                                   \
  X(cudnn, cudnnGetErrorString, const char*, (cudnnStatus_t status))                                      \
  X(cudnn, cudnnCreate, cudnnStatus_t, (cudnnHandle_t * handle))                                          \
  X(cudnn, cudnnDestroy, cudnnStatus_t, (cudnnHandle_t handle))                                           \
  X(cudnn, cudnnSetStream, cudnnStatus_t, (cudnnHandle_t handle, cudaStream_t stream))                    \
  X(cudnn, cudnnCreateTensorDescriptor, cudnnStatus_t, (cudnnTensorDescriptor_t * desc))                  \
  X(cudnn, cudnnDestroyTensorDescriptor, cudnnStatus_t, (cudnnTensorDescriptor_t desc))                   \
  X(cudnn, cudnnSetTensor4dDescriptor, cudnnStatus_t,                                                     \
    (cudnnTensorDescriptor_t desc, cudnnTensorFormat_t format, cudnnDataType_t dataType, int n, int c,     \
     int h, int w))                                                                                       \
  X(cudnn, cudnnSetTensorNdDescriptor, cudnnStatus_t,                                                     \
    (cudnnTensorDescriptor_t desc, cudnnDataType_t dataType, int nbDims, const int dimA[],                \
     const int strideA[]))                                                                                \
  X(cudnn, cudnnCreateFilterDescriptor, cudnnStatus_t, (cudnnFilterDescriptor_t * desc))                  \
  X(cudnn, cudnnDestroyFilterDescriptor, cudnnStatus_t, (cudnnFilterDescriptor_t desc))                   \
  X(cudnn, cudnnSetFilter4dDescriptor, cudnnStatus_t,                                                     \
    (cudnnFilterDescriptor_t desc, cudnnDataType_t dataType, cudnnTensorFormat_t format, int k, int c,     \
     int h, int w))                                                                                       \
  X(cudnn, cudnnCreateConvolutionDescriptor, cudnnStatus_t, (cudnnConvolutionDescriptor_t * desc))        \
  X(cudnn, cudnnDestroyConvolutionDescriptor, cudnnStatus_t, (cudnnConvolutionDescriptor_t desc))         \
  X(cudnn, cudnnSetConvolution2dDescriptor, cudnnStatus_t,                                                \
    (cudnnConvolutionDescriptor_t desc, int pad_h, int pad_w, int u, int v, int dilation_h,               \
     int dilation_w, cudnnConvolutionMode_t mode, cudnnDataType_t computeType))                           \
  X(cudnn, cudnnSetConvolutionGroupCount, cudnnStatus_t, (cudnnConvolutionDescriptor_t desc, int groupCount)) \
  X(cudnn, cudnnSetConvolutionMathType, cudnnStatus_t,                                                    \
    (cudnnConvolutionDescriptor_t desc, cudnnMathType_t mathType))                                        \
  X(cudnn, cudnnGetConvolution2dForwardOutputDim, cudnnStatus_t,                                          \
    (const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t inputTensorDesc,          \
     const cudnnFilterDescriptor_t filterDesc, int* n, int* c, int* h, int* w))                           \
  X(cudnn, cudnnFindConvolutionForwardAlgorithmEx, cudnnStatus_t,                                         \
    (cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const void* x,                            \
     const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnConvolutionDescriptor_t convDesc,     \
     const cudnnTensorDescriptor_t yDesc, void* y, const int requestedAlgoCount, int* returnedAlgoCount,  \
     cudnnConvolutionFwdAlgoPerf_t* perfResults, void* workSpace, size_t workSpaceSizeInBytes))          \
  X(cudnn, cudnnGetConvolutionForwardWorkspaceSize, cudnnStatus_t,                                        \
    (cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnFilterDescriptor_t wDesc,      \
     const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t yDesc,                    \
     cudnnConvolutionFwdAlgo_t algo, size_t* sizeInBytes))                                                \
  X(cudnn, cudnnConvolutionForward, cudnnStatus_t,                                                        \
    (cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,         \
     const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnConvolutionDescriptor_t convDesc,     \
     cudnnConvolutionFwdAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* beta,      \
     const cudnnTensorDescriptor_t yDesc, void* y))                                                       \
  X(cudnn, cudnnCreateActivationDescriptor, cudnnStatus_t, (cudnnActivationDescriptor_t * activationDesc))  \
  X(cudnn, cudnnDestroyActivationDescriptor, cudnnStatus_t, (cudnnActivationDescriptor_t activationDesc))  \
  X(cudnn, cudnnSetActivationDescriptor, cudnnStatus_t,                                                   \
    (cudnnActivationDescriptor_t activationDesc, cudnnActivationMode_t mode, cudnnNanPropagation_t reluNanOpt, \
     double coef))                                                                                        \
  X(cudnn, cudnnConvolutionBiasActivationForward, cudnnStatus_t,                                          \
    (cudnnHandle_t handle, const void* alpha1, const cudnnTensorDescriptor_t xDesc, const void* x,        \
     const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnConvolutionDescriptor_t convDesc,     \
     cudnnConvolutionFwdAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* alpha2,    \
     const cudnnTensorDescriptor_t zDesc, const void* z, const cudnnTensorDescriptor_t biasDesc,          \
     const void* bias, const cudnnActivationDescriptor_t activationDesc, const cudnnTensorDescriptor_t yDesc, \
     void* y))                                                                                            \
  X(cudnn, cudnnFindConvolutionBackwardDataAlgorithmEx, cudnnStatus_t,                                    \
    (cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const void* w,                            \
     const cudnnTensorDescriptor_t dyDesc, const void* dy, const cudnnConvolutionDescriptor_t convDesc,   \
     const cudnnTensorDescriptor_t dxDesc, void* dx, const int requestedAlgoCount,                        \
     int* returnedAlgoCount, cudnnConvolutionBwdDataAlgoPerf_t* perfResults, void* workSpace,            \
     size_t workSpaceSizeInBytes))                                                                        \
  X(cudnn, cudnnGetConvolutionBackwardDataWorkspaceSize, cudnnStatus_t,                                   \
    (cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const cudnnTensorDescriptor_t dyDesc,     \
     const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc,                   \
     cudnnConvolutionBwdDataAlgo_t algo, size_t* sizeInBytes))                                            \
  X(cudnn, cudnnConvolutionBackwardData, cudnnStatus_t,                                                   \
    (cudnnHandle_t handle, const void* alpha, const cudnnFilterDescriptor_t wDesc, const void* w,         \
     const cudnnTensorDescriptor_t dyDesc, const void* dy, const cudnnConvolutionDescriptor_t convDesc,   \
     cudnnConvolutionBwdDataAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* beta,  \
     const cudnnTensorDescriptor_t dxDesc, void* dx))                                                     \
  X(cudnn, cudnnFindConvolutionBackwardFilterAlgorithmEx, cudnnStatus_t,                                  \
    (cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const void* x,                            \
     const cudnnTensorDescriptor_t dyDesc, const void* y, const cudnnConvolutionDescriptor_t convDesc,    \
     const cudnnFilterDescriptor_t dwDesc, void* dw, const int requestedAlgoCount,                        \
     int* returnedAlgoCount, cudnnConvolutionBwdFilterAlgoPerf_t* perfResults, void* workSpace,          \
     size_t workSpaceSizeInBytes))                                                                        \
  X(cudnn, cudnnGetConvolutionBackwardFilterWorkspaceSize, cudnnStatus_t,                                 \
    (cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnTensorDescriptor_t dyDesc,     \
     const cudnnConvolutionDescriptor_t convDesc, const cudnnFilterDescriptor_t gradDesc,                 \
     cudnnConvolutionBwdFilterAlgo_t algo, size_t* sizeInBytes))                                          \
  X(cudnn, cudnnConvolutionBackwardFilter, cudnnStatus_t,                                                 \
    (cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,         \
     const cudnnTensorDescriptor_t dyDesc, const void* dy, const cudnnConvolutionDescriptor_t convDesc,   \
     cudnnConvolutionBwdFilterAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* beta, \
     const cudnnFilterDescriptor_t dwDesc, void* dw))                                                     \
  X(cudnn, cudnnConvolutionBackwardBias, cudnnStatus_t,                                                   \
    (cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t dyDesc, const void* dy,       \
     const void* beta, const cudnnTensorDescriptor_t dbDesc, void* db))                                   \
  X(cudnn, cudnnAddTensor, cudnnStatus_t,                                                                 \
    (cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t aDesc, const void* A,         \
     const void* beta, const cudnnTensorDescriptor_t cDesc, void* C))                                     \
  X(cudnn, cudnnSoftmaxForward, cudnnStatus_t,                                                            \
    (cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode, const void* alpha,      \
     const cudnnTensorDescriptor_t xDesc, const void* x, const void* beta,                                \
     const cudnnTensorDescriptor_t yDesc, void* y))                                                       \
  X(cudnn, cudnnSoftmaxBackward, cudnnStatus_t,                                                           \
    (cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode, const void* alpha,      \
     const cudnnTensorDescriptor_t yDesc, const void* y, const cudnnTensorDescriptor_t dyDesc,            \
     const void* dy, const void* beta, const cudnnTensorDescriptor_t dxDesc, void* dx))                   \
  X(cudnn, cudnnDeriveBNTensorDescriptor, cudnnStatus_t,                                                  \
    (cudnnTensorDescriptor_t derivedBnDesc, const cudnnTensorDescriptor_t xDesc, cudnnBatchNormMode_t mode)) \
  X(cudnn, cudnnBatchNormalizationForwardTraining, cudnnStatus_t,                                         \
    (cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alpha, const void* beta,                \
     const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t yDesc, void* y,    \
     const cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale, const void* bnBias,       \
     double exponentialAverageFactor, void* resultRunningMean, void* resultRunningVariance,               \
     double epsilon, void* resultSaveMean, void* resultSaveInvVariance))                                  \
  X(cudnn, cudnnBatchNormalizationForwardInference, cudnnStatus_t,                                        \
    (cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alpha, const void* beta,                \
     const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t yDesc, void* y,    \
     const cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale, const void* bnBias,       \
     const void* estimatedMean, const void* estimatedVariance, double epsilon))                           \
  X(cudnn, cudnnBatchNormalizationBackward, cudnnStatus_t,                                                \
    (cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alphaDataDiff, const void* betaDataDiff, \
     const void* alphaParamDiff, const void* betaParamDiff, const cudnnTensorDescriptor_t xDesc,          \
     const void* x, const cudnnTensorDescriptor_t dyDesc, const void* dy,                                 \
     const cudnnTensorDescriptor_t dxDesc, void* dx, const cudnnTensorDescriptor_t dBnScaleBiasDesc,      \
     const void* bnScale, void* dBnScaleResult, void* dBnBiasResult, double epsilon,                      \
     const void* savedMean, const void* savedInvVariance))

struct VendorTable {
#define JDNN_VENDOR_FIELD(lib, name, ret, params) ret(*name) params = nullptr;
  JDNN_VENDOR_FUNCTIONS(JDNN_VENDOR_FIELD)
#undef JDNN_VENDOR_FIELD
};

// The bound table; throws if bind_vendor() has not succeeded.
const VendorTable& vendor();

// Binds the table for this build (real libraries or the emulation) and checks
// their versions. Returns "" on success, else what is missing and how to fix it.
// Safe to call again after a failure (for example once the org.bytedeco:cuda
// presets have loaded the libraries into the process).
std::string bind_vendor();

// "cuBLAS 13.1.0, cuDNN 9.19.0" (or the emulation's name), after a successful bind.
std::string vendor_versions();

}  // namespace jdnn::vendor

// Calls a cuBLAS / cuBLASLt / cuDNN entry through the table and throws, naming the call and
// the library's own error string, on any status other than success. Entries that
// queue device work are counted (cuda/counters.h, Device.stats()).
#define JDNN_CUBLAS(name, ...)                                                                       \
  do {                                                                                               \
    const ::jdnn::vendor::cublasStatus_t jdnn_st_ = ::jdnn::vendor::vendor().name(__VA_ARGS__);      \
    if (jdnn_st_ != ::jdnn::vendor::CUBLAS_STATUS_SUCCESS) ::jdnn::vendor::cublas_failure(jdnn_st_, #name); \
    if constexpr (::jdnn::cuda::queues_device_work(#name)) {                                         \
      ::jdnn::cuda::count(::jdnn::cuda::counters().vendor_calls);                                    \
      ::jdnn::cuda::trace_vendor_call(#name);                                                        \
    }                                                                                                \
  } while (0)
#define JDNN_CUDNN(name, ...)                                                                        \
  do {                                                                                               \
    const ::jdnn::vendor::cudnnStatus_t jdnn_st_ = ::jdnn::vendor::vendor().name(__VA_ARGS__);       \
    if (jdnn_st_ != ::jdnn::vendor::CUDNN_STATUS_SUCCESS) ::jdnn::vendor::cudnn_failure(jdnn_st_, #name); \
    if constexpr (::jdnn::cuda::queues_device_work(#name)) {                                         \
      ::jdnn::cuda::count(::jdnn::cuda::counters().vendor_calls);                                    \
      ::jdnn::cuda::trace_vendor_call(#name);                                                        \
    }                                                                                                \
  } while (0)

namespace jdnn::vendor {
[[noreturn]] void cublas_failure(cublasStatus_t status, const char* call);
[[noreturn]] void cudnn_failure(cudnnStatus_t status, const char* call);
}  // namespace jdnn::vendor
