// TEMPORARY stubs: the elementwise op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::unary(int op, const Tensor& x, Tensor& y, double alpha) { missing("unary"); }
void CudaBackend::unary_backward(int op, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx, double alpha) { missing("unary_backward"); }
void CudaBackend::binary(int op, const Tensor& a, const Tensor& b, Tensor& out) { missing("binary"); }

}  // namespace jdnn::cuda
