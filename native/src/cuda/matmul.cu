// TEMPORARY stubs: the matmul op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::matmul(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha, double beta) { missing("matmul"); }
void CudaBackend::linear(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, bool relu) { missing("linear"); }
void CudaBackend::bf16_pack_weight(const Tensor& w, Tensor& packed) { missing("bf16_pack_weight"); }
void CudaBackend::linear_bf16(const Tensor& x, const Tensor& packed, const Tensor* bias, Tensor& y, bool relu) { missing("linear_bf16"); }

}  // namespace jdnn::cuda
