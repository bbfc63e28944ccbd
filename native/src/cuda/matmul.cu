// Matrix products on the CUDA backend through cuBLAS (CPU twin: cpu/matmul.cpp,
// cpu/linear_bf16.cpp). jdnn matrices are row-major and cuBLAS is column-major:
// a row-major (r, c) matrix is the column-major (c, r) matrix, its transpose, so
// row-major C = op(A) op(B) is computed as column-major C^T = op(B)^T op(A)^T,
// that is a cuBLAS call with the operands swapped and m, n exchanged.
#include <algorithm>
#include <climits>

#include "cuda/cuda_backend.h"
#include "cuda/linear_epilogue.h"
#include "jdnn/jdnn.h"
#include "kernels/bf16.h"
#include "kernels/half.h"
#include "kernels/unary.h"

namespace jdnn::cuda {

namespace {

using vendor::CUBLAS_OP_N;
using vendor::CUBLAS_OP_T;

// y[r, j] = act(y[r, j] + bias[j]); bias may be null.
template <class T>
__global__ void bias_act_kernel(T* y, const T* bias, int64_t rows, int64_t cols, bool relu) {
  JDNN_KERNEL_LOOP(i, rows * cols) {
    T v = y[i];
    if (bias != nullptr) v += bias[i % cols];
    y[i] = relu ? kernels::Relu{}.fwd(v, T(0), T(0)) : v;
  }
}

// Row-major float32 (rows, cols) -> row-major bf16 of the same shape.
__global__ void to_bf16_kernel(const float* x, uint16_t* out, int64_t n) {
  JDNN_KERNEL_LOOP(i, n) { out[i] = kernels::float_to_bf16(x[i]); }
}

// The same into float16 (kernels/half.h: nearest even, NaN kept, overflow to inf).
__global__ void to_f16_kernel(const float* x, uint16_t* out, int64_t n) {
  JDNN_KERNEL_LOOP(i, n) { out[i] = kernels::float_to_f16(x[i]); }
}

int gemm_dim(const char* op, const char* what, int64_t v) {
  JDNN_CHECK(v <= INT_MAX, op, ": ", what, " = ", v, " exceeds cuBLAS's int range");
  return static_cast<int>(v);
}

// Row-major C (m, n) = alpha op(A) op(B) + beta C with A, B, C in row-major
// storage of leading dimensions lda, ldb, ldc (their column counts).
template <class T>
void gemm_row_major(Context& c, const char* op, bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha,
                    const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* out, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const int im = gemm_dim(op, "rows", m), in = gemm_dim(op, "columns", n), ik = gemm_dim(op, "inner size", k);
  const int la = gemm_dim(op, "lda", lda), lb = gemm_dim(op, "ldb", ldb), lc = gemm_dim(op, "ldc", ldc);
  const auto opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N, opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  if constexpr (sizeof(T) == 4) {
    JDNN_CUBLAS(cublasSgemm_v2, c.cublas, opb, opa, in, im, ik, &alpha, b, lb, a, la, &beta, out, lc);
  } else {
    JDNN_CUBLAS(cublasDgemm_v2, c.cublas, opb, opa, in, im, ik, &alpha, b, lb, a, la, &beta, out, lc);
  }
}

// The batched form of gemm_row_major: one strided-batched cuBLAS call for
// batch products whose operands lie sa, sb, sc elements apart.
template <class T>
void gemm_row_major_batched(Context& c, bool ta, bool tb, int64_t batch, int64_t m, int64_t n, int64_t k, T alpha,
                            const T* a, int64_t lda, int64_t sa, const T* b, int64_t ldb, int64_t sb, T beta, T* out,
                            int64_t ldc, int64_t sc) {
  if (batch == 0 || m == 0 || n == 0) return;
  const char* op = "bmm";
  const int ibatch = gemm_dim(op, "batch size", batch);
  const int im = gemm_dim(op, "rows", m), in = gemm_dim(op, "columns", n), ik = gemm_dim(op, "inner size", k);
  const int la = gemm_dim(op, "lda", lda), lb = gemm_dim(op, "ldb", ldb), lc = gemm_dim(op, "ldc", ldc);
  const auto opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N, opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  const long long lsa = sa, lsb = sb, lsc = sc;
  if constexpr (sizeof(T) == 4) {
    JDNN_CUBLAS(cublasSgemmStridedBatched, c.cublas, opb, opa, in, im, ik, &alpha, b, lb, lsb, a, la, lsa, &beta, out,
                lc, lsc, ibatch);
  } else {
    JDNN_CUBLAS(cublasDgemmStridedBatched, c.cublas, opb, opa, in, im, ik, &alpha, b, lb, lsb, a, la, lsa, &beta, out,
                lc, lsc, ibatch);
  }
}

template <class T>
void linear_typed(Context& c, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, bool relu) {
  const int64_t n = x.dim(0), in = x.dim(1), out = w.dim(0);
  if (linear_epilogue<T>(c, x.data<T>(), w.data<T>(), bias != nullptr ? bias->data<T>() : nullptr, y.data<T>(), n,
                         in, out)) {
    // jdnn's ReLU keeps NaN, cuBLASLt's epilogue would not: the ReLU stays a kernel.
    if (relu) launch_n(bias_act_kernel<T>, n * out, c.stream, y.data<T>(), static_cast<const T*>(nullptr), n, out, true);
    return;
  }
  const int64_t ld_in = std::max<int64_t>(1, in), ld_out = std::max<int64_t>(1, out);
  gemm_row_major<T>(c, "linear", false, true, n, out, in, T(1), x.data<T>(), ld_in, w.data<T>(), ld_in, T(0),
                    y.data<T>(), ld_out);
  if (bias != nullptr || relu)
    launch_n(bias_act_kernel<T>, n * out, c.stream, y.data<T>(), bias != nullptr ? bias->data<T>() : nullptr, n,
             out, relu);
}

}  // namespace

// Shapes were checked by the facade; a row-major (r, c) operand has leading
// dimension c whether or not it is transposed.
void CudaBackend::matmul(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha, double beta) {
  JDNN_CUDA_OP("matmul");
  Context& ctx = jdnn_op.ctx;
  const int64_t m = c.dim(0), n = c.dim(1), k = ta ? a.dim(0) : a.dim(1);
  const int64_t lda = std::max<int64_t>(1, a.dim(1)), ldb = std::max<int64_t>(1, b.dim(1));
  const int64_t ldc = std::max<int64_t>(1, n);
  if (c.dtype == DType::FLOAT32) {
    gemm_row_major<float>(ctx, "matmul", ta, tb, m, n, k, static_cast<float>(alpha), a.data<float>(), lda,
                          b.data<float>(), ldb, static_cast<float>(beta), c.data<float>(), ldc);
  } else {
    gemm_row_major<double>(ctx, "matmul", ta, tb, m, n, k, alpha, a.data<double>(), lda, b.data<double>(), ldb,
                           beta, c.data<double>(), ldc);
  }
}

// One cuBLAS call for the whole batch; TF32 follows the handle's math mode,
// which the tf32 device option sets, as for matmul.
void CudaBackend::bmm(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha, double beta) {
  JDNN_CUDA_OP("bmm");
  Context& ctx = jdnn_op.ctx;
  const int64_t batch = c.dim(0), m = c.dim(1), n = c.dim(2), k = ta ? a.dim(1) : a.dim(2);
  const int64_t lda = std::max<int64_t>(1, a.dim(2)), ldb = std::max<int64_t>(1, b.dim(2));
  const int64_t ldc = std::max<int64_t>(1, n);
  const int64_t sa = a.dim(1) * a.dim(2), sb = b.dim(1) * b.dim(2), sc = m * n;
  if (c.dtype == DType::FLOAT32) {
    gemm_row_major_batched<float>(ctx, ta, tb, batch, m, n, k, static_cast<float>(alpha), a.data<float>(), lda, sa,
                                  b.data<float>(), ldb, sb, static_cast<float>(beta), c.data<float>(), ldc, sc);
  } else {
    gemm_row_major_batched<double>(ctx, ta, tb, batch, m, n, k, alpha, a.data<double>(), lda, sa, b.data<double>(),
                                   ldb, sb, beta, c.data<double>(), ldc, sc);
  }
}

// One cuBLASLt matmul with the bias epilogue (linear_epilogue.cu), then the ReLU kernel if asked;
// where that does not apply, GEMM into y, then one pass adding the bias and applying the ReLU.
void CudaBackend::linear(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, bool relu) {
  JDNN_CUDA_OP("linear");
  if (x.dtype == DType::FLOAT32) linear_typed<float>(jdnn_op.ctx, x, w, bias, y, relu);
  else linear_typed<double>(jdnn_op.ctx, x, w, bias, y, relu);
}

// dW and db in one cuBLASLt call (BGRADB epilogue, linear_epilogue.cu) when db is wanted; else,
// or where that does not apply, the GEMM and the row-sum kernel.
void CudaBackend::linear_weight_grad(const Tensor& g, const Tensor& x, Tensor& dw, double beta, Tensor* db) {
  JDNN_CUDA_OP("linear_weight_grad");
  Context& c = jdnn_op.ctx;
  const int64_t n = g.dim(0), out = g.dim(1), in = x.dim(1);
  bool fused = false;
  if (db != nullptr) {
    if (g.dtype == DType::FLOAT32)
      fused = linear_weight_grad_epilogue<float>(c, g.data<float>(), x.data<float>(), dw.data<float>(),
                                                 static_cast<float>(beta), db->data<float>(), n, in, out);
    else
      fused = linear_weight_grad_epilogue<double>(c, g.data<double>(), x.data<double>(), dw.data<double>(), beta,
                                                  db->data<double>(), n, in, out);
  }
  if (fused) return;
  matmul(g, x, dw, true, false, 1.0, beta);
  if (db != nullptr) sum_to(g, *db);
}

// The CUDA packed layout is the device's own: the weight as row-major (out, in)
// bf16, the remaining words of the packed tensor (sized for the CPU's panel
// layout, which is never smaller) zero. Only linear_bf16 on a CUDA device reads it.
void CudaBackend::bf16_pack_weight(const Tensor& w, Tensor& packed) {
  JDNN_CUDA_OP("bf16_pack_weight");
  Context& c = jdnn_op.ctx;
  const int64_t n = w.numel;
  JDNN_CHECK(static_cast<int64_t>(2 * packed.numel) >= n, "bf16_pack_weight: packed ", packed.describe(),
             " cannot hold ", w.describe(), " in bf16");
  JDNN_CUDA_CHECK(cudaMemsetAsync(packed.storage->data, 0, packed.numel * sizeof(int32_t), c.stream));
  launch_n(to_bf16_kernel, n, c.stream, w.data<float>(), static_cast<uint16_t*>(packed.storage->data), n);
}

// x is rounded to bf16 into the workspace as the CPU rounds it; cuBLAS then
// multiplies bf16 with float32 accumulation and float32 output.
void CudaBackend::linear_bf16(const Tensor& x, const Tensor& packed, const Tensor* bias, Tensor& y, bool relu) {
  JDNN_CUDA_OP("linear_bf16");
  Context& c = jdnn_op.ctx;
  const int64_t n = x.dim(0), in = x.dim(1), out = y.dim(1);
  if (n == 0) return;
  auto* xb = static_cast<uint16_t*>(c.workspace(static_cast<size_t>(n * in) * sizeof(uint16_t)));
  launch_n(to_bf16_kernel, n * in, c.stream, x.data<float>(), xb, n * in);
  const int im = gemm_dim("linear_bf16", "rows", n), io = gemm_dim("linear_bf16", "outputs", out);
  const int ik = gemm_dim("linear_bf16", "inputs", in);
  const float one = 1.0f, zero = 0.0f;
  // Column-major y^T (out, n) = W (out x in, stored as its transpose) applied to x^T.
  JDNN_CUBLAS(cublasGemmEx, c.cublas, CUBLAS_OP_T, CUBLAS_OP_N, io, im, ik, &one, packed.storage->data,
              vendor::CUDA_R_16BF, ik, xb, vendor::CUDA_R_16BF, ik, &zero, y.data<float>(), vendor::CUDA_R_32F, io,
              vendor::CUBLAS_COMPUTE_32F, vendor::CUBLAS_GEMM_DEFAULT);
  if (bias != nullptr || relu)
    launch_n(bias_act_kernel<float>, n * out, c.stream, y.data<float>(),
             bias != nullptr ? bias->data<float>() : nullptr, n, out, relu);
}

// Autocast's 16-bit products (CPU twin for bfloat16: cpu/matmul_bf16.cpp): both operands rounded to
// bf16 or float16 into the workspace as every backend rounds them (kernels/bf16.h, half.h), one
// cublasGemmEx with 16-bit inputs, float32 compute and float32 output (tensor cores), then the bias
// added per column. Row-major c = op(a) op(b) is column-major c^T = op(b)^T op(a)^T, as in
// gemm_row_major.
void CudaBackend::matmul_half(const Tensor& a, const Tensor& b, const Tensor* bias, Tensor& c, bool ta, bool tb,
                              DType low) {
  JDNN_CUDA_OP("matmul_half");
  Context& ctx = jdnn_op.ctx;
  // 2-D operands, or 3-D ones with one batch size (torch.bmm, no bias): one GemmEx per batch entry
  const int r = c.ndim();
  const int64_t batch = r == 3 ? c.dim(0) : 1, m = c.dim(r - 2), n = c.dim(r - 1);
  const int64_t k = ta ? a.dim(r - 2) : a.dim(r - 1);
  if (m == 0 || n == 0 || batch == 0) return;
  if (k == 0) {  // an empty sum: the bias alone
    JDNN_CUDA_CHECK(
        cudaMemsetAsync(c.storage->data, 0, static_cast<size_t>(batch * m * n) * sizeof(float), ctx.stream));
  } else {
    const char* op = "matmul_half";
    const int im = gemm_dim(op, "rows", m), in = gemm_dim(op, "columns", n), ik = gemm_dim(op, "inner size", k);
    auto* ab = static_cast<uint16_t*>(ctx.workspace(static_cast<size_t>(a.numel + b.numel) * sizeof(uint16_t)));
    uint16_t* bb = ab + a.numel;
    const bool f16 = low == DType::FLOAT16;
    const vendor::cudaDataType_t type = f16 ? vendor::CUDA_R_16F : vendor::CUDA_R_16BF;
    launch_n(f16 ? to_f16_kernel : to_bf16_kernel, a.numel, ctx.stream, a.data<float>(), ab, a.numel);
    launch_n(f16 ? to_f16_kernel : to_bf16_kernel, b.numel, ctx.stream, b.data<float>(), bb, b.numel);
    const int lda = gemm_dim(op, "lda", std::max<int64_t>(1, a.dim(r - 1)));
    const int ldb = gemm_dim(op, "ldb", std::max<int64_t>(1, b.dim(r - 1)));
    const int64_t sa = a.dim(r - 2) * a.dim(r - 1), sb = b.dim(r - 2) * b.dim(r - 1);
    const float one = 1.0f, zero = 0.0f;
    for (int64_t i = 0; i < batch; ++i) {
      JDNN_CUBLAS(cublasGemmEx, ctx.cublas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, in, im, ik,
                  &one, bb + i * sb, type, ldb, ab + i * sa, type, lda, &zero, c.data<float>() + i * m * n,
                  vendor::CUDA_R_32F, in, vendor::CUBLAS_COMPUTE_32F, vendor::CUBLAS_GEMM_DEFAULT);
    }
  }
  if (bias != nullptr)
    launch_n(bias_act_kernel<float>, m * n, ctx.stream, c.data<float>(), bias->data<float>(), m, n, false);
}

}  // namespace jdnn::cuda
