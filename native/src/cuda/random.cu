// TEMPORARY stubs: the random op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::random_uniform(Tensor& t, double low, double high, uint64_t seed, uint64_t offset) { missing("random_uniform"); }
void CudaBackend::random_normal(Tensor& t, double mean, double std, uint64_t seed, uint64_t offset) { missing("random_normal"); }

}  // namespace jdnn::cuda
