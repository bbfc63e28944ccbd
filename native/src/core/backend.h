// Op dispatch. Every op is declared once here and implemented per backend;
// the facade (core/api.cpp) validates arguments, then calls the backend of
// the tensors' device. A backend that lacks an op inherits the default,
// which throws naming op and device.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace jdnn {

// Convolution geometry (checked by the facade): strides, paddings (top, left, bottom, right),
// dilations and groups. The output size follows from these and the tensors' shapes.
struct Conv2dGeom {
  int64_t stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dilation_h, dilation_w, groups;
};

// Pooling window: kernel, stride and symmetric padding.
struct Pool2dGeom {
  int64_t kh, kw, stride_h, stride_w, pad_h, pad_w;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual int device() const = 0;

  // device-level services (defaults suit the CPU)
  // One line naming the hardware and libraries behind this backend.
  virtual std::string describe() const;
  // Waits until every op issued so far has finished (a no-op on synchronous backends).
  virtual void synchronize() {}
  // Backend-specific switches, e.g. "tf32" or "profile" on CUDA; unknown keys throw.
  virtual void set_option(const std::string& key, double value);
  // Backend-specific counters, e.g. "kernel_ms" on CUDA; unknown keys throw.
  virtual double stat(const std::string& key);

  // memory
  virtual void copy_from_host(Tensor& dst, const void* src, size_t byte_offset, size_t bytes);
  virtual void copy_to_host(const Tensor& src, void* dst, size_t byte_offset, size_t bytes);
  virtual void fill(Tensor& t, double value);
  virtual void add_int(Tensor& t, int64_t delta);  // int32 / int64 in place
  virtual void convert(const Tensor& src, Tensor& dst);
  virtual void gather_rows(const Tensor& src, const Tensor& index, Tensor& dst);

  // element-wise and reductions
  virtual void unary(int op, const Tensor& x, Tensor& y, double alpha, double alpha2);
  virtual void unary_backward(int op, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                              double alpha, double alpha2);
  virtual void binary(int op, const Tensor& a, const Tensor& b, Tensor& out);
  virtual void sum_to(const Tensor& x, Tensor& y);
  virtual void argmax_last(const Tensor& x, Tensor& out);

  // linear algebra
  virtual void matmul(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha,
                      double beta);
  // matmul for each i of dimension 0 of 3-D a, b, c.
  virtual void bmm(const Tensor& a, const Tensor& b, Tensor& c, bool ta, bool tb, double alpha, double beta);
  // y = x w^T + bias, then max(0, y) when relu (bias may be null).
  virtual void linear(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, bool relu);
  // bf16 inference Linear (see jdnn.h op_linear_bf16); packed is int32 (bf16 pairs).
  virtual void bf16_pack_weight(const Tensor& w, Tensor& packed);
  virtual void linear_bf16(const Tensor& x, const Tensor& packed, const Tensor* bias, Tensor& y, bool relu);

  // softmax and losses
  virtual void softmax(const Tensor& x, Tensor& y, bool log);
  virtual void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log);
  virtual void cross_entropy(const Tensor& logits, const Tensor& labels, Tensor& loss, Tensor& probs);
  virtual void cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss,
                                      Tensor& dlogits);
  // Returns the first element where l(x, t) is undefined (kernels/point_loss.h in_domain), or -1.
  virtual int64_t point_loss(int op, const Tensor& x, const Tensor& t, Tensor& out);
  virtual void point_loss_backward(int op, const Tensor& x, const Tensor& t, const Tensor& dy,
                                   Tensor& dx);

  // convolution and pooling (NCHW)
  virtual void conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const Conv2dGeom& g);
  virtual void conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx, Tensor* dw,
                               Tensor* dbias, const Conv2dGeom& g);
  virtual void max_pool2d(const Tensor& x, Tensor& y, Tensor& indices, const Pool2dGeom& g);
  virtual void max_pool2d_backward(const Tensor& dy, const Tensor& indices, Tensor& dx);
  virtual void avg_pool2d(const Tensor& x, Tensor& y, const Pool2dGeom& g, bool count_include_pad);
  virtual void avg_pool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeom& g, bool count_include_pad);

  // batch norm (channel dim 1); optional tensors are null
  virtual void batch_norm(const Tensor& x, const Tensor* gamma, const Tensor* beta, Tensor* running_mean,
                          Tensor* running_var, Tensor& y, Tensor& save_mean, Tensor& save_invstd,
                          bool training, double momentum, double eps);
  virtual void batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma,
                                   const Tensor& save_mean, const Tensor& save_invstd, Tensor* dx,
                                   Tensor* dgamma, Tensor* dbeta, bool training);

  // dropout
  virtual void dropout_mask(Tensor& mask, double p, uint64_t seed, uint64_t offset);
  virtual void dropout_apply(const Tensor& x, const Tensor& mask, Tensor& y);

  // slicing along one dimension (concat, narrow)
  virtual void narrow(const Tensor& x, Tensor& y, int dim, int64_t start);
  virtual void narrow_assign(const Tensor& src, Tensor& dst, int dim, int64_t start);

  // optimizers: state a configuration does not need is nullptr
  virtual void sgd(Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum,
                   double dampening, double wd, bool nesterov, bool first);
  virtual void adagrad(Tensor& p, const Tensor& g, Tensor& sum, double lr, double lr_decay,
                       double eps, double wd, int64_t step);
  virtual void rmsprop(Tensor& p, const Tensor& g, Tensor& square_avg, Tensor* grad_avg, Tensor* buf,
                       double lr, double alpha, double eps, double wd, double momentum);
  virtual void adam(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor* v_max, double lr,
                    double b1, double b2, double eps, double wd, int64_t step, bool decoupled);
  virtual void clip_value(Tensor& g, double limit);

  // random numbers
  virtual void random_uniform(Tensor& t, double low, double high, uint64_t seed, uint64_t offset);
  virtual void random_normal(Tensor& t, double mean, double std, uint64_t seed, uint64_t offset);

 protected:
  [[noreturn]] void missing(const char* op) const;
};

// Throws, naming the device, when no backend is registered for it.
Backend& backend_for(int device);
bool backend_loaded(int device);
void register_backend(int device, Backend* backend);

}  // namespace jdnn
