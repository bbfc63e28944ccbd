// TEMPORARY stubs: the loss op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::cross_entropy(const Tensor& logits, const Tensor& labels, Tensor& loss, Tensor& probs) { missing("cross_entropy"); }
void CudaBackend::cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss, Tensor& dlogits) { missing("cross_entropy_backward"); }
void CudaBackend::point_loss(int op, const Tensor& x, const Tensor& t, Tensor& out) { missing("point_loss"); }
void CudaBackend::point_loss_backward(int op, const Tensor& x, const Tensor& t, const Tensor& dy, Tensor& dx) { missing("point_loss_backward"); }

}  // namespace jdnn::cuda
