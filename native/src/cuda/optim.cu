// TEMPORARY stubs: the optim op family of the CUDA backend is not written yet.
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

void CudaBackend::sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum, double dampening, double wd, bool nesterov, bool first) { missing("sgd"); }
void CudaBackend::adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay, double eps, double wd, int64_t step) { missing("adagrad"); }
void CudaBackend::rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg, Tensor* buf, double lr, double alpha, double eps, double wd, double momentum) { missing("rmsprop"); }
void CudaBackend::adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr, double b1, double b2, double eps, double wd, int64_t step, bool decoupled) { missing("adam"); }
void CudaBackend::clip_value(Tensor& g, double limit) { missing("clip_value"); }

}  // namespace jdnn::cuda
