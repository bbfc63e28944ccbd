// TEMPORARY stubs: the pool op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::max_pool2d(const Tensor& x, Tensor& y, Tensor& indices, const Pool2dGeom& g) { missing("max_pool2d"); }
void CudaBackend::max_pool2d_backward(const Tensor& dy, const Tensor& indices, Tensor& dx) { missing("max_pool2d_backward"); }
void CudaBackend::avg_pool2d(const Tensor& x, Tensor& y, const Pool2dGeom& g, bool count_include_pad) { missing("avg_pool2d"); }
void CudaBackend::avg_pool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeom& g, bool count_include_pad) { missing("avg_pool2d_backward"); }

}  // namespace jdnn::cuda
