// The CUDA backend. One class serves both builds of the same sources: the real
// libjdnn_cuda (nvcc, Device::CUDA) and libjdnn_cuda_emu (host compiler over the
// CPU emulation, Device::CUDA_EMU). Its ops are the rows of jdnn/ops.def marked
// BOTH or CUDA, implemented one family per file under the family's stem
// (cuda/<stem>.cu beside cpu/<stem>.cpp); context.cu holds the device services.
#pragma once
#include "core/backend.h"
#include "cuda/context.h"

namespace jdnn::cuda {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(Device device) : device_(device) {}
  Device device() const override { return device_; }
  std::string describe() const override;
  void synchronize() override;
  void copy_from_host_async(Tensor& dst, const void* src, size_t bytes) override;
  void await_upload(Tensor& t) override;
  void check_errors() override;
  void set_option(const std::string& key, double value) override;
  double stat(const std::string& key) override;
  void graph_begin() override;
  int64_t graph_end() override;
  void graph_launch(int64_t graph) override;
  void graph_destroy(int64_t graph) override;
  void graph_source_stride(int64_t key, int64_t stride) override;
  void graph_rebase(int64_t graph, int kind, int64_t key, int64_t value) override;
  // NCCL (nccl_communicator.cu).
  std::string collective_unique_id() override;
  Communicator* open_communicator(int rank, int size, const std::string& id, int64_t timeout_ms) override;
  std::string collective_engine() override;

  JDNN_BACKEND_OVERRIDES(CUDA)

 private:
  Device device_;
};

}  // namespace jdnn::cuda
