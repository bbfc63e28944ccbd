// TEMPORARY stubs: the conv op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const Conv2dGeom& g) { missing("conv2d"); }
void CudaBackend::conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx, Tensor* dw, Tensor* dbias, const Conv2dGeom& g) { missing("conv2d_backward"); }

}  // namespace jdnn::cuda
