#include "core/backend.h"

#include <array>

namespace jdnn {

void Backend::missing(const char* op) const {
  fail("op '", op, "' is not implemented on device ", device_name(device()));
}

std::string Backend::describe() const { return device_name(device()); }
void Backend::set_option(const std::string& key, double) {
  fail("device ", device_name(device()), " has no option '", key, "'");
}
double Backend::stat(const std::string& key) {
  fail("device ", device_name(device()), " has no statistic '", key, "'");
}

void Backend::copy_from_host(Tensor&, const void*, size_t, size_t) { missing("copy_from_host"); }
void Backend::copy_to_host(const Tensor&, void*, size_t, size_t) { missing("copy_to_host"); }
void Backend::fill(Tensor&, double) { missing("fill"); }
void Backend::add_int(Tensor&, int64_t) { missing("add_int"); }
void Backend::convert(const Tensor&, Tensor&) { missing("convert"); }
void Backend::gather_rows(const Tensor&, const Tensor&, Tensor&) { missing("gather_rows"); }
void Backend::unary(int, const Tensor&, Tensor&, double, double) { missing("unary"); }
void Backend::unary_backward(int, const Tensor&, const Tensor&, const Tensor&, Tensor&, double, double) {
  missing("unary_backward");
}
void Backend::binary(int, const Tensor&, const Tensor&, Tensor&) { missing("binary"); }
void Backend::sum_to(const Tensor&, Tensor&) { missing("sum_to"); }
void Backend::argmax_last(const Tensor&, Tensor&) { missing("argmax_last"); }
void Backend::matmul(const Tensor&, const Tensor&, Tensor&, bool, bool, double, double) {
  missing("matmul");
}
void Backend::bmm(const Tensor&, const Tensor&, Tensor&, bool, bool, double, double) { missing("bmm"); }
void Backend::linear(const Tensor&, const Tensor&, const Tensor*, Tensor&, bool) { missing("linear"); }
void Backend::bf16_pack_weight(const Tensor&, Tensor&) { missing("bf16_pack_weight"); }
void Backend::linear_bf16(const Tensor&, const Tensor&, const Tensor*, Tensor&, bool) { missing("linear_bf16"); }
void Backend::softmax(const Tensor&, Tensor&, bool) { missing("softmax"); }
void Backend::softmax_backward(const Tensor&, const Tensor&, Tensor&, bool) {
  missing("softmax_backward");
}
void Backend::cross_entropy(const Tensor&, const Tensor&, Tensor&, Tensor&) {
  missing("cross_entropy");
}
void Backend::cross_entropy_backward(const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  missing("cross_entropy_backward");
}
int64_t Backend::point_loss(int, const Tensor&, const Tensor&, Tensor&) { missing("point_loss"); }
void Backend::point_loss_backward(int, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  missing("point_loss_backward");
}
void Backend::conv2d(const Tensor&, const Tensor&, const Tensor*, Tensor&, const Conv2dGeom&) {
  missing("conv2d");
}
void Backend::conv2d_backward(const Tensor&, const Tensor&, const Tensor&, Tensor*, Tensor*, Tensor*,
                              const Conv2dGeom&) {
  missing("conv2d_backward");
}
void Backend::max_pool2d(const Tensor&, Tensor&, Tensor&, const Pool2dGeom&) { missing("max_pool2d"); }
void Backend::max_pool2d_backward(const Tensor&, const Tensor&, Tensor&) { missing("max_pool2d_backward"); }
void Backend::avg_pool2d(const Tensor&, Tensor&, const Pool2dGeom&, bool) { missing("avg_pool2d"); }
void Backend::avg_pool2d_backward(const Tensor&, Tensor&, const Pool2dGeom&, bool) {
  missing("avg_pool2d_backward");
}
void Backend::batch_norm(const Tensor&, const Tensor*, const Tensor*, Tensor*, Tensor*, Tensor&, Tensor&,
                         Tensor&, bool, double, double) {
  missing("batch_norm");
}
void Backend::batch_norm_backward(const Tensor&, const Tensor&, const Tensor*, const Tensor&, const Tensor&,
                                  Tensor*, Tensor*, Tensor*, bool) {
  missing("batch_norm_backward");
}
void Backend::dropout_mask(Tensor&, double, uint64_t, uint64_t) { missing("dropout_mask"); }
void Backend::dropout_apply(const Tensor&, const Tensor&, Tensor&) { missing("dropout_apply"); }
void Backend::narrow(const Tensor&, Tensor&, int, int64_t) { missing("narrow"); }
void Backend::narrow_assign(const Tensor&, Tensor&, int, int64_t) { missing("narrow_assign"); }
void Backend::sgd(Tensor&, const Tensor&, Tensor*, double, double, double, double, bool, bool) {
  missing("sgd");
}
void Backend::adagrad(Tensor&, const Tensor&, Tensor&, double, double, double, double, int64_t) {
  missing("adagrad");
}
void Backend::rmsprop(Tensor&, const Tensor&, Tensor&, Tensor*, Tensor*, double, double, double,
                      double, double) {
  missing("rmsprop");
}
void Backend::adam(Tensor&, const Tensor&, Tensor&, Tensor&, Tensor*, double, double, double, double,
                   double, int64_t, bool) {
  missing("adam");
}
void Backend::clip_value(Tensor&, double) { missing("clip_value"); }
void Backend::random_uniform(Tensor&, double, double, uint64_t, uint64_t) {
  missing("random_uniform");
}
void Backend::random_normal(Tensor&, double, double, uint64_t, uint64_t) {
  missing("random_normal");
}

namespace {
std::array<Backend*, 3>& backends() {
  static std::array<Backend*, 3> table{};
  return table;
}
}  // namespace

bool backend_loaded(int device) { return device >= 0 && device < 3 && backends()[device] != nullptr; }

Backend& backend_for(int device) {
  JDNN_CHECK(device >= 0 && device < 3, "unknown device code ", device);
  Backend* b = backends()[device];
  JDNN_CHECK(b != nullptr, "device ", device_name(device), " has no backend loaded");
  return *b;
}

void register_backend(int device, Backend* backend) {
  JDNN_CHECK(device >= 0 && device < 3, "unknown device code ", device);
  backends()[device] = backend;
}

}  // namespace jdnn
