#include "core/backend.h"

#include <array>

namespace jdnn {

void Backend::missing(const char* op) const {
  fail_as(ErrorKind::DEVICE, "op '", op, "' is not implemented on device ", device_name(device()));
}

std::string Backend::describe() const { return device_name(device()); }
void Backend::set_option(const std::string& key, double) {
  fail("device ", device_name(device()), " has no option '", key, "'");
}
double Backend::stat(const std::string& key) {
  fail("device ", device_name(device()), " has no statistic '", key, "'");
}

namespace {
[[noreturn]] void no_graphs(Device device) {
  fail_as(ErrorKind::DEVICE, "CUDA graphs need the cuda or cuda-emu device; ", device_name(device),
          " runs every op at once and has nothing to capture. Train eagerly there, or use Device.cuda() / "
          "Device.cudaEmulated()");
}
}  // namespace

void Backend::graph_begin() { no_graphs(device()); }
int64_t Backend::graph_end() { no_graphs(device()); }
void Backend::graph_launch(int64_t) { no_graphs(device()); }
void Backend::graph_destroy(int64_t) { no_graphs(device()); }
void Backend::graph_source_stride(int64_t, int64_t) { no_graphs(device()); }
void Backend::graph_rebase(int64_t, int, int64_t, int64_t) { no_graphs(device()); }

namespace {
[[noreturn]] void no_collectives(Device device) {
  fail_as(ErrorKind::ARGUMENT, "device ", device_name(device), " has no collective engine of its own: CPU tensors go ",
          "through Gloo, CUDA tensors through NCCL");
}
}  // namespace

std::string Backend::collective_unique_id() { no_collectives(device()); }
Communicator* Backend::open_communicator(int, int, const std::string&, int64_t) { no_collectives(device()); }
std::string Backend::collective_engine() { return ""; }

// The default of every op: a device error naming op and device.
#define JDNN_DEFAULT_ROW(ret, name, params, backends) \
  ret Backend::name params { missing(#name); }
JDNN_BACKEND_OPS(JDNN_DEFAULT_ROW)
#undef JDNN_DEFAULT_ROW

namespace {
std::array<Backend*, kDeviceCount>& backends() {
  static std::array<Backend*, kDeviceCount> table{};
  return table;
}
}  // namespace

bool backend_loaded(Device device) { return backends()[static_cast<int>(device)] != nullptr; }

Backend& backend_for(Device device) {
  Backend* b = backends()[static_cast<int>(device)];
  JDNN_CHECK_AS(ErrorKind::DEVICE, b != nullptr, "device ", device_name(device), " has no backend loaded");
  return *b;
}

void register_backend(Device device, Backend* backend) { backends()[static_cast<int>(device)] = backend; }

}  // namespace jdnn
