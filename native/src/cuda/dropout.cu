// TEMPORARY stubs: the dropout op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::dropout_mask(Tensor& mask, double p, uint64_t seed, uint64_t offset) { missing("dropout_mask"); }
void CudaBackend::dropout_apply(const Tensor& x, const Tensor& mask, Tensor& y) { missing("dropout_apply"); }

}  // namespace jdnn::cuda
