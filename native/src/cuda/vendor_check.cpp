// Compile-time proof that vendor.h matches NVIDIA's headers: every enum value,
// the perf-result and cuBLASLt descriptor struct layouts, CUDNN_BN_MIN_EPSILON,
// and the exact type of every function in the vendor table (after mapping
// vendor.h's types to the real ones). Built into libjdnn_cuda only when CMake
// finds cublas_v2.h (cublasLt.h lies beside it) and cudnn.h; it generates no
// code, a mismatch simply fails the build.
#include <cstddef>
#include <type_traits>

#include "cuda/header_check.h"
#include "cuda/vendor.h"

// The real cudnn_ops.h defines CUDNN_BN_MIN_EPSILON as a macro, which would
// rewrite vendor.h's constant once included: take its value first.
namespace jdnn::vendor::check {
constexpr double kBnMinEpsilon = CUDNN_BN_MIN_EPSILON;
}

// cublas_v2.h, not cublas_api.h: the latter stops with #error unless CUBLASAPI is
// defined, which cublas_v2.h does before including it (and maps the _v2 names).
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cudnn.h>

// The table's function types, spelled where vendor.h's names are in scope.
namespace jdnn::vendor::check {
#define JDNN_OUR_TYPE(lib, name, ret, params) using name = ret params;
JDNN_VENDOR_FUNCTIONS(JDNN_OUR_TYPE)
#undef JDNN_OUR_TYPE
}  // namespace jdnn::vendor::check

// Everything else sits in namespace jdnn_header_check (cuda/header_check.h says why).
namespace jdnn_header_check {
namespace vendor = jdnn::vendor;

JDNN_REAL(vendor::cudaDataType_t, ::cudaDataType_t)
JDNN_REAL(vendor::libraryPropertyType, ::libraryPropertyType)
JDNN_REAL(vendor::cublasContext, ::cublasContext)
JDNN_REAL(vendor::cublasStatus_t, ::cublasStatus_t)
JDNN_REAL(vendor::cublasOperation_t, ::cublasOperation_t)
JDNN_REAL(vendor::cublasMath_t, ::cublasMath_t)
JDNN_REAL(vendor::cublasComputeType_t, ::cublasComputeType_t)
JDNN_REAL(vendor::cublasGemmAlgo_t, ::cublasGemmAlgo_t)
JDNN_REAL(vendor::cublasLtContext, ::cublasLtContext)
JDNN_REAL(vendor::cublasLtMatrixLayoutOpaque_t, ::cublasLtMatrixLayoutOpaque_t)
JDNN_REAL(vendor::cublasLtMatmulDescOpaque_t, ::cublasLtMatmulDescOpaque_t)
JDNN_REAL(vendor::cublasLtMatmulPreferenceOpaque_t, ::cublasLtMatmulPreferenceOpaque_t)
JDNN_REAL(vendor::cublasLtMatmulAlgo_t, ::cublasLtMatmulAlgo_t)
JDNN_REAL(vendor::cublasLtMatmulHeuristicResult_t, ::cublasLtMatmulHeuristicResult_t)
JDNN_REAL(vendor::cublasLtMatmulDescAttributes_t, ::cublasLtMatmulDescAttributes_t)
JDNN_REAL(vendor::cublasLtMatmulPreferenceAttributes_t, ::cublasLtMatmulPreferenceAttributes_t)
JDNN_REAL(vendor::cudnnContext, ::cudnnContext)
JDNN_REAL(vendor::cudnnTensorStruct, ::cudnnTensorStruct)
JDNN_REAL(vendor::cudnnFilterStruct, ::cudnnFilterStruct)
JDNN_REAL(vendor::cudnnConvolutionStruct, ::cudnnConvolutionStruct)
JDNN_REAL(vendor::cudnnActivationStruct, ::cudnnActivationStruct)
JDNN_REAL(vendor::cudnnActivationMode_t, ::cudnnActivationMode_t)
JDNN_REAL(vendor::cudnnNanPropagation_t, ::cudnnNanPropagation_t)
JDNN_REAL(vendor::cudnnStatus_t, ::cudnnStatus_t)
JDNN_REAL(vendor::cudnnDataType_t, ::cudnnDataType_t)
JDNN_REAL(vendor::cudnnTensorFormat_t, ::cudnnTensorFormat_t)
JDNN_REAL(vendor::cudnnConvolutionMode_t, ::cudnnConvolutionMode_t)
JDNN_REAL(vendor::cudnnMathType_t, ::cudnnMathType_t)
JDNN_REAL(vendor::cudnnDeterminism_t, ::cudnnDeterminism_t)
JDNN_REAL(vendor::cudnnConvolutionFwdAlgo_t, ::cudnnConvolutionFwdAlgo_t)
JDNN_REAL(vendor::cudnnConvolutionBwdDataAlgo_t, ::cudnnConvolutionBwdDataAlgo_t)
JDNN_REAL(vendor::cudnnConvolutionBwdFilterAlgo_t, ::cudnnConvolutionBwdFilterAlgo_t)
JDNN_REAL(vendor::cudnnSoftmaxAlgorithm_t, ::cudnnSoftmaxAlgorithm_t)
JDNN_REAL(vendor::cudnnSoftmaxMode_t, ::cudnnSoftmaxMode_t)
JDNN_REAL(vendor::cudnnBatchNormMode_t, ::cudnnBatchNormMode_t)
JDNN_REAL(vendor::cudnnConvolutionFwdAlgoPerf_t, ::cudnnConvolutionFwdAlgoPerf_t)
JDNN_REAL(vendor::cudnnConvolutionBwdDataAlgoPerf_t, ::cudnnConvolutionBwdDataAlgoPerf_t)
JDNN_REAL(vendor::cudnnConvolutionBwdFilterAlgoPerf_t, ::cudnnConvolutionBwdFilterAlgoPerf_t)
#undef JDNN_REAL

// Function types. The static_cast picks the overload of exactly the mapped
// type (cuBLAS adds C++ convenience overloads for some entries) and fails to
// compile when there is none, so a changed parameter or return type stops the build.
#define JDNN_CHECK_FUNCTION(lib, name, ret, params)                                    \
  static_assert(std::is_same_v<decltype(static_cast<real_t<vendor::check::name>*>(&::name)), \
                               real_t<vendor::check::name>*>,                             \
                #name " (" #lib ")");
JDNN_VENDOR_FUNCTIONS(JDNN_CHECK_FUNCTION)
#undef JDNN_CHECK_FUNCTION

// Enum values (compared as integers: vendor.h fixes the underlying type, C does not).
#define JDNN_CHECK_VALUE(name) \
  static_assert(static_cast<long long>(vendor::name) == static_cast<long long>(::name), #name " differs");
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_BGRADA)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_BGRADB)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_BIAS)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_DEFAULT)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_DRELU)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_DRELU_BGRAD)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_RELU)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_RELU_AUX)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_RELU_AUX_BIAS)
JDNN_CHECK_VALUE(CUBLASLT_EPILOGUE_RELU_BIAS)
JDNN_CHECK_VALUE(CUBLASLT_MATMUL_DESC_BIAS_POINTER)
JDNN_CHECK_VALUE(CUBLASLT_MATMUL_DESC_EPILOGUE)
JDNN_CHECK_VALUE(CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD)
JDNN_CHECK_VALUE(CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER)
JDNN_CHECK_VALUE(CUBLASLT_MATMUL_DESC_TRANSA)
JDNN_CHECK_VALUE(CUBLASLT_MATMUL_DESC_TRANSB)
JDNN_CHECK_VALUE(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES)
JDNN_CHECK_VALUE(CUBLAS_COMPUTE_32F)
JDNN_CHECK_VALUE(CUBLAS_COMPUTE_32F_FAST_TF32)
JDNN_CHECK_VALUE(CUBLAS_COMPUTE_64F)
JDNN_CHECK_VALUE(CUBLAS_DEFAULT_MATH)
JDNN_CHECK_VALUE(CUBLAS_GEMM_DEFAULT)
JDNN_CHECK_VALUE(CUBLAS_OP_C)
JDNN_CHECK_VALUE(CUBLAS_OP_N)
JDNN_CHECK_VALUE(CUBLAS_OP_T)
JDNN_CHECK_VALUE(CUBLAS_PEDANTIC_MATH)
JDNN_CHECK_VALUE(CUBLAS_STATUS_ALLOC_FAILED)
JDNN_CHECK_VALUE(CUBLAS_STATUS_ARCH_MISMATCH)
JDNN_CHECK_VALUE(CUBLAS_STATUS_EXECUTION_FAILED)
JDNN_CHECK_VALUE(CUBLAS_STATUS_INTERNAL_ERROR)
JDNN_CHECK_VALUE(CUBLAS_STATUS_INVALID_VALUE)
JDNN_CHECK_VALUE(CUBLAS_STATUS_LICENSE_ERROR)
JDNN_CHECK_VALUE(CUBLAS_STATUS_MAPPING_ERROR)
JDNN_CHECK_VALUE(CUBLAS_STATUS_NOT_INITIALIZED)
JDNN_CHECK_VALUE(CUBLAS_STATUS_NOT_SUPPORTED)
JDNN_CHECK_VALUE(CUBLAS_STATUS_SUCCESS)
JDNN_CHECK_VALUE(CUBLAS_TF32_TENSOR_OP_MATH)
JDNN_CHECK_VALUE(CUDA_R_16BF)
JDNN_CHECK_VALUE(CUDA_R_16F)
JDNN_CHECK_VALUE(CUDA_R_32F)
JDNN_CHECK_VALUE(CUDA_R_64F)
JDNN_CHECK_VALUE(CUDNN_ACTIVATION_IDENTITY)
JDNN_CHECK_VALUE(CUDNN_ACTIVATION_RELU)
JDNN_CHECK_VALUE(CUDNN_ACTIVATION_TANH)
JDNN_CHECK_VALUE(CUDNN_BATCHNORM_PER_ACTIVATION)
JDNN_CHECK_VALUE(CUDNN_BATCHNORM_SPATIAL)
JDNN_CHECK_VALUE(CUDNN_BATCHNORM_SPATIAL_PERSISTENT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_DATA_ALGO_0)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_DATA_ALGO_1)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_COUNT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_DIRECT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_FFT)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_GEMM)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD)
JDNN_CHECK_VALUE(CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED)
JDNN_CHECK_VALUE(CUDNN_CROSS_CORRELATION)
JDNN_CHECK_VALUE(CUDNN_DATA_BFLOAT16)
JDNN_CHECK_VALUE(CUDNN_DATA_DOUBLE)
JDNN_CHECK_VALUE(CUDNN_DATA_FLOAT)
JDNN_CHECK_VALUE(CUDNN_DATA_HALF)
JDNN_CHECK_VALUE(CUDNN_DEFAULT_MATH)
JDNN_CHECK_VALUE(CUDNN_DETERMINISTIC)
JDNN_CHECK_VALUE(CUDNN_FMA_MATH)
JDNN_CHECK_VALUE(CUDNN_NON_DETERMINISTIC)
JDNN_CHECK_VALUE(CUDNN_NOT_PROPAGATE_NAN)
JDNN_CHECK_VALUE(CUDNN_PROPAGATE_NAN)
JDNN_CHECK_VALUE(CUDNN_SOFTMAX_ACCURATE)
JDNN_CHECK_VALUE(CUDNN_SOFTMAX_FAST)
JDNN_CHECK_VALUE(CUDNN_SOFTMAX_LOG)
JDNN_CHECK_VALUE(CUDNN_SOFTMAX_MODE_CHANNEL)
JDNN_CHECK_VALUE(CUDNN_SOFTMAX_MODE_INSTANCE)
JDNN_CHECK_VALUE(CUDNN_STATUS_BAD_PARAM)
JDNN_CHECK_VALUE(CUDNN_STATUS_EXECUTION_FAILED)
JDNN_CHECK_VALUE(CUDNN_STATUS_INTERNAL_ERROR)
JDNN_CHECK_VALUE(CUDNN_STATUS_NOT_INITIALIZED)
JDNN_CHECK_VALUE(CUDNN_STATUS_NOT_SUPPORTED)
JDNN_CHECK_VALUE(CUDNN_STATUS_SUCCESS)
JDNN_CHECK_VALUE(CUDNN_TENSOR_NCHW)
JDNN_CHECK_VALUE(CUDNN_TENSOR_NHWC)
JDNN_CHECK_VALUE(CUDNN_TENSOR_OP_MATH)
JDNN_CHECK_VALUE(CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
JDNN_CHECK_VALUE(MAJOR_VERSION)
JDNN_CHECK_VALUE(MINOR_VERSION)
JDNN_CHECK_VALUE(PATCH_LEVEL)
#undef JDNN_CHECK_VALUE

static_assert(vendor::check::kBnMinEpsilon == CUDNN_BN_MIN_EPSILON, "CUDNN_BN_MIN_EPSILON differs");

// The perf structs are filled by cuDNN through our declaration: same layout, field by field.
#define JDNN_CHECK_PERF(T)                                                                    \
  static_assert(sizeof(vendor::T) == sizeof(::T) && alignof(vendor::T) == alignof(::T), #T);  \
  static_assert(offsetof(vendor::T, algo) == offsetof(::T, algo) &&                          \
                    offsetof(vendor::T, status) == offsetof(::T, status) &&                  \
                    offsetof(vendor::T, time) == offsetof(::T, time) &&                      \
                    offsetof(vendor::T, memory) == offsetof(::T, memory) &&                  \
                    offsetof(vendor::T, determinism) == offsetof(::T, determinism) &&        \
                    offsetof(vendor::T, mathType) == offsetof(::T, mathType) &&              \
                    offsetof(vendor::T, reserved) == offsetof(::T, reserved),                \
                "field offsets of " #T);                                                     \
  static_assert(sizeof(vendor::T::algo) == sizeof(::T::algo) &&                              \
                    sizeof(vendor::T::status) == sizeof(::T::status) &&                      \
                    sizeof(vendor::T::determinism) == sizeof(::T::determinism) &&            \
                    sizeof(vendor::T::mathType) == sizeof(::T::mathType) &&                  \
                    sizeof(vendor::T::time) == sizeof(::T::time) &&                          \
                    sizeof(vendor::T::reserved) == sizeof(::T::reserved),                    \
                "field sizes of " #T);
JDNN_CHECK_PERF(cudnnConvolutionFwdAlgoPerf_t)
JDNN_CHECK_PERF(cudnnConvolutionBwdDataAlgoPerf_t)
JDNN_CHECK_PERF(cudnnConvolutionBwdFilterAlgoPerf_t)
#undef JDNN_CHECK_PERF

// cuBLASLt's semi-opaque structs: the library writes the descriptors it allocates and the
// heuristic results into memory laid out by our declaration.
#define JDNN_CHECK_OPAQUE(T)                                                                                  \
  static_assert(sizeof(vendor::T) == sizeof(::T) && alignof(vendor::T) == alignof(::T) &&                     \
                    sizeof(vendor::T::data) == sizeof(::T::data),                                             \
                #T);
JDNN_CHECK_OPAQUE(cublasLtMatrixLayoutOpaque_t)
JDNN_CHECK_OPAQUE(cublasLtMatmulDescOpaque_t)
JDNN_CHECK_OPAQUE(cublasLtMatmulPreferenceOpaque_t)
JDNN_CHECK_OPAQUE(cublasLtMatmulAlgo_t)
#undef JDNN_CHECK_OPAQUE
static_assert(sizeof(vendor::cublasLtMatmulHeuristicResult_t) == sizeof(::cublasLtMatmulHeuristicResult_t) &&
                  alignof(vendor::cublasLtMatmulHeuristicResult_t) == alignof(::cublasLtMatmulHeuristicResult_t),
              "cublasLtMatmulHeuristicResult_t");
static_assert(offsetof(vendor::cublasLtMatmulHeuristicResult_t, algo) == offsetof(::cublasLtMatmulHeuristicResult_t, algo) &&
                  offsetof(vendor::cublasLtMatmulHeuristicResult_t, workspaceSize) ==
                      offsetof(::cublasLtMatmulHeuristicResult_t, workspaceSize) &&
                  offsetof(vendor::cublasLtMatmulHeuristicResult_t, state) == offsetof(::cublasLtMatmulHeuristicResult_t, state) &&
                  offsetof(vendor::cublasLtMatmulHeuristicResult_t, wavesCount) ==
                      offsetof(::cublasLtMatmulHeuristicResult_t, wavesCount) &&
                  offsetof(vendor::cublasLtMatmulHeuristicResult_t, reserved) ==
                      offsetof(::cublasLtMatmulHeuristicResult_t, reserved),
              "field offsets of cublasLtMatmulHeuristicResult_t");
static_assert(sizeof(vendor::cublasLtMatmulHeuristicResult_t::state) == sizeof(::cublasLtMatmulHeuristicResult_t::state),
              "size of cublasLtMatmulHeuristicResult_t::state");

}  // namespace jdnn_header_check
