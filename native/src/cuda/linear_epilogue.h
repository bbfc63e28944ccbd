// Linear's forward fused into one cuBLASLt matmul (linear_epilogue.cu).
#pragma once
#include <cstdint>

#include "cuda/context.h"

namespace jdnn::cuda {

// Row-major y (n, out) = x (n, in) W^T (out, in) [+ bias (out)] as one cublasLtMatmul with the bias
// epilogue, queued on c's stream. bias may be null. Returns false, having queued nothing, when the
// fused path does not apply (an empty dimension, sizes beyond int, or no cuBLASLt kernel for the
// configuration); the caller then runs the GEMM and the bias kernel.
template <class T>
bool linear_epilogue(Context& c, const T* x, const T* w, const T* bias, T* y, int64_t n, int64_t in, int64_t out);

// Row-major dw (out, in) = g^T (N, out) x (N, in) + beta dw and db (out) = g's rows summed, as one
// cublasLtMatmul with the BGRADB epilogue (the bias gradient of op(B) = g over the product's k = N).
// Returns false, having queued nothing, where that does not apply (as linear_epilogue).
template <class T>
bool linear_weight_grad_epilogue(Context& c, const T* g, const T* x, T* dw, T beta, T* db, int64_t n, int64_t in,
                                 int64_t out);

}  // namespace jdnn::cuda
