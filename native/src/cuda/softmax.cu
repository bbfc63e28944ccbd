// TEMPORARY stubs: the softmax op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::softmax(const Tensor& x, Tensor& y, bool log) { missing("softmax"); }
void CudaBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) { missing("softmax_backward"); }

}  // namespace jdnn::cuda
