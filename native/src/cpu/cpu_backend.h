// The CPU backend. Its methods are implemented one op family per file
// (elementwise.cpp, reduce.cpp, matmul.cpp, softmax_loss.cpp, optim.cpp,
// random.cpp, memory.cpp, conv.cpp, pool.cpp, batchnorm.cpp, dropout.cpp,
// concat.cpp) so each op's CPU code sits beside its CUDA twin.
#pragma once
#include "core/backend.h"

namespace jdnn::cpu {

class CpuBackend final : public Backend {
 public:
  int device() const override { return 0; }
  void copy_from_host(Tensor& dst, const void* src, size_t byte_offset, size_t bytes) override;
  void copy_to_host(const Tensor& src, void* dst, size_t byte_offset, size_t bytes) override;
  void fill(Tensor& t, double value) override;
  void add_int(Tensor& t, int64_t delta) override;
  void convert(const Tensor& src, Tensor& dst) override;
  void gather_rows(const Tensor& src, const Tensor& index, Tensor& dst) override;
  void unary(int op, const Tensor& x, Tensor& y, double alpha, double alpha2) override;
  void unary_backward(int op, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                      double alpha, double alpha2) override;
  void binary(int op, const Tensor& a, const Tensor& b, Tensor& out) override;
  void sum_to(const Tensor& x, Tensor& y) override;
  void argmax_last(const Tensor& x, Tensor& out) override;
  void matmul(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha,
              double beta) override;
  void bmm(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha, double beta) override;
  void linear(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, bool relu) override;
  void bf16_pack_weight(const Tensor& w, Tensor& packed) override;
  void linear_bf16(const Tensor& x, const Tensor& packed, const Tensor* bias, Tensor& y, bool relu) override;
  void softmax(const Tensor& x, Tensor& y, bool log) override;
  void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) override;
  void cross_entropy(const Tensor& logits, const Tensor& labels, Tensor& loss, Tensor& probs) override;
  void cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss,
                              Tensor& dlogits) override;
  int64_t point_loss(int op, const Tensor& x, const Tensor& t, Tensor& out) override;
  void point_loss_backward(int op, const Tensor& x, const Tensor& t, const Tensor& dy,
                           Tensor& dx) override;
  void conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const Conv2dGeom& g) override;
  void conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx, Tensor* dw,
                       Tensor* dbias, const Conv2dGeom& g) override;
  void max_pool2d(const Tensor& x, Tensor& y, Tensor& indices, const Pool2dGeom& g) override;
  void max_pool2d_backward(const Tensor& dy, const Tensor& indices, Tensor& dx) override;
  void avg_pool2d(const Tensor& x, Tensor& y, const Pool2dGeom& g, bool count_include_pad) override;
  void avg_pool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeom& g, bool count_include_pad) override;
  void batch_norm(const Tensor& x, const Tensor* gamma, const Tensor* beta, Tensor* running_mean,
                  Tensor* running_var, Tensor& y, Tensor& save_mean, Tensor& save_invstd, bool training,
                  double momentum, double eps) override;
  void batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma, const Tensor& save_mean,
                           const Tensor& save_invstd, Tensor* dx, Tensor* dgamma, Tensor* dbeta,
                           bool training) override;
  void dropout_mask(Tensor& mask, double p, uint64_t seed, uint64_t offset) override;
  void dropout_apply(const Tensor& x, const Tensor& mask, Tensor& y) override;
  void narrow(const Tensor& x, Tensor& y, int dim, int64_t start) override;
  void narrow_assign(const Tensor& src, Tensor& dst, int dim, int64_t start) override;
  void sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum, double dampening,
           double wd, bool nesterov, bool first) override;
  void adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay, double eps,
               double wd, int64_t step) override;
  void rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg, Tensor* buf,
               double lr, double alpha, double eps, double wd, double momentum) override;
  void adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr, double b1,
            double b2, double eps, double wd, int64_t step, bool decoupled) override;
  void clip_value(Tensor& g, double limit) override;
  void random_uniform(Tensor& t, double low, double high, uint64_t seed, uint64_t offset) override;
  void random_normal(Tensor& t, double mean, double std, uint64_t seed, uint64_t offset) override;
};

// Calls f(T{}) with T = float or double for a float tensor's dtype.
template <class F>
void with_float_type(int dtype, F&& f) {
  if (dtype == 0) f(float{});
  else if (dtype == 1) f(double{});
  else fail("expected a float32 or float64 tensor, got ", dtype_name(dtype));
}

// Element-wise work below this many elements stays on the calling thread:
// waking a worker costs more than it saves.
constexpr int64_t kElementwiseGrain = 32768;

}  // namespace jdnn::cpu
