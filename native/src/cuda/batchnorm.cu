// TEMPORARY stubs: the batchnorm op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::batch_norm(const Tensor& x, const Tensor* gamma, const Tensor* beta, Tensor* running_mean, Tensor* running_var, Tensor& y, Tensor& save_mean, Tensor& save_invstd, bool training, double momentum, double eps) { missing("batch_norm"); }
void CudaBackend::batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma, const Tensor& save_mean, const Tensor& save_invstd, Tensor* dx, Tensor* dgamma, Tensor* dbeta, bool training) { missing("batch_norm_backward"); }

}  // namespace jdnn::cuda
