// The CUDA backend. One class serves both builds of the same sources: the real
// libjdnn_cuda (nvcc, device DEV_CUDA) and libjdnn_cuda_emu (host compiler over
// the CPU emulation, device DEV_CUDA_EMU). Methods are implemented one op
// family per file, each beside its CPU twin's name: memory.cu, elementwise.cu,
// reduce.cu, matmul.cu, softmax.cu, loss.cu, conv.cu, pool.cu, batchnorm.cu,
// dropout.cu, concat.cu, optim.cu, random.cu.
#pragma once
#include "core/backend.h"
#include "cuda/context.h"

namespace jdnn::cuda {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device_code) : device_code_(device_code) {}
  int device() const override { return device_code_; }
  std::string describe() const override;
  void synchronize() override;
  void set_option(const std::string& key, double value) override;
  double stat(const std::string& key) override;

  // memory.cu
  void copy_from_host(Tensor& dst, const void* src, size_t byte_offset, size_t bytes) override;
  void copy_to_host(const Tensor& src, void* dst, size_t byte_offset, size_t bytes) override;
  void fill(Tensor& t, double value) override;
  void add_int(Tensor& t, int64_t delta) override;
  void convert(const Tensor& src, Tensor& dst) override;
  void gather_rows(const Tensor& src, const Tensor& index, Tensor& dst) override;
  // elementwise.cu
  void unary(int op, const Tensor& x, Tensor& y, double alpha, double alpha2) override;
  void unary_backward(int op, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                      double alpha, double alpha2) override;
  void binary(int op, const Tensor& a, const Tensor& b, Tensor& out) override;
  // reduce.cu
  void sum_to(const Tensor& x, Tensor& y) override;
  void argmax_last(const Tensor& x, Tensor& out) override;
  // matmul.cu (cuBLAS)
  void matmul(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha,
              double beta) override;
  void bmm(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha, double beta) override;
  void linear(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, bool relu) override;
  void bf16_pack_weight(const Tensor& w, Tensor& packed) override;
  void linear_bf16(const Tensor& x, const Tensor& packed, const Tensor* bias, Tensor& y, bool relu) override;
  // softmax.cu (cuDNN)
  void softmax(const Tensor& x, Tensor& y, bool log) override;
  void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) override;
  // loss.cu
  void cross_entropy(const Tensor& logits, const Tensor& labels, Tensor& loss, Tensor& probs) override;
  void cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss,
                              Tensor& dlogits) override;
  int64_t point_loss(int op, const Tensor& x, const Tensor& t, Tensor& out) override;
  void point_loss_backward(int op, const Tensor& x, const Tensor& t, const Tensor& dy, Tensor& dx) override;
  // conv.cu (cuDNN)
  void conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const Conv2dGeom& g) override;
  void conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx, Tensor* dw,
                       Tensor* dbias, const Conv2dGeom& g) override;
  // pool.cu
  void max_pool2d(const Tensor& x, Tensor& y, Tensor& indices, const Pool2dGeom& g) override;
  void max_pool2d_backward(const Tensor& dy, const Tensor& indices, Tensor& dx) override;
  void avg_pool2d(const Tensor& x, Tensor& y, const Pool2dGeom& g, bool count_include_pad) override;
  void avg_pool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeom& g, bool count_include_pad) override;
  // batchnorm.cu (cuDNN)
  void batch_norm(const Tensor& x, const Tensor* gamma, const Tensor* beta, Tensor* running_mean,
                  Tensor* running_var, Tensor& y, Tensor& save_mean, Tensor& save_invstd, bool training,
                  double momentum, double eps) override;
  void batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma, const Tensor& save_mean,
                           const Tensor& save_invstd, Tensor* dx, Tensor* dgamma, Tensor* dbeta,
                           bool training) override;
  // dropout.cu
  void dropout_mask(Tensor& mask, double p, uint64_t seed, uint64_t offset) override;
  void dropout_apply(const Tensor& x, const Tensor& mask, Tensor& y) override;
  // concat.cu
  void narrow(const Tensor& x, Tensor& y, int dim, int64_t start) override;
  void narrow_assign(const Tensor& src, Tensor& dst, int dim, int64_t start) override;
  // optim.cu
  void sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum, double dampening, double wd,
           bool nesterov, bool first) override;
  void adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay, double eps, double wd,
               int64_t step) override;
  void rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg, Tensor* buf, double lr,
               double alpha, double eps, double wd, double momentum) override;
  void adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr, double b1, double b2,
            double eps, double wd, int64_t step, bool decoupled) override;
  void clip_value(Tensor& g, double limit) override;
  // random.cu
  void random_uniform(Tensor& t, double low, double high, uint64_t seed, uint64_t offset) override;
  void random_normal(Tensor& t, double mean, double std, uint64_t seed, uint64_t offset) override;

 private:
  int device_code_;
};

}  // namespace jdnn::cuda
