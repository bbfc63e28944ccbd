// Op dispatch. Every op is declared once, in jdnn/ops.def, and implemented per
// backend; the facade (core/api/) validates arguments, then calls the backend of
// the tensors' device. A backend that lacks an op inherits the default, which
// throws naming op and device.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "core/tensor_group.h"
#include "jdnn/ops.def"

namespace jdnn {

class Communicator;

// Convolution geometry (checked by the facade): strides, paddings (top, left, bottom, right),
// dilations and groups. The output size follows from these and the tensors' shapes.
struct Conv2dGeom {
  int64_t stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dilation_h, dilation_w, groups;
};

// Pooling window: kernel, stride and symmetric padding.
struct Pool2dGeom {
  int64_t kh, kw, stride_h, stride_w, pad_h, pad_w;
};

// The "backends" column of ops.def's JDNN_BACKEND_OPS: JDNN_IF_<backend>_<column>(text) keeps text
// when that backend overrides the row's op.
#define JDNN_IF_CPU_BOTH(...) __VA_ARGS__
#define JDNN_IF_CPU_CPU(...) __VA_ARGS__
#define JDNN_IF_CPU_CUDA(...)
#define JDNN_IF_CUDA_BOTH(...) __VA_ARGS__
#define JDNN_IF_CUDA_CPU(...)
#define JDNN_IF_CUDA_CUDA(...) __VA_ARGS__

// One override declaration per ops.def row that `backend` (CPU or CUDA) implements; a backend
// class writes JDNN_BACKEND_OVERRIDES(CPU) in its body.
#define JDNN_OVERRIDE_ROW_CPU(ret, name, params, backends) JDNN_IF_CPU_##backends(ret name params override;)
#define JDNN_OVERRIDE_ROW_CUDA(ret, name, params, backends) JDNN_IF_CUDA_##backends(ret name params override;)
#define JDNN_BACKEND_OVERRIDES(backend) JDNN_BACKEND_OPS(JDNN_OVERRIDE_ROW_##backend)

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;

  // device-level services (defaults suit the CPU)
  // One line naming the hardware and libraries behind this backend.
  virtual std::string describe() const;
  // Waits until every op issued so far has finished (a no-op on synchronous backends).
  virtual void synchronize() {}
  // Raises the first error the device's kernels recorded in their data and not yet raised
  // (CUDA: cuda/device_errors.h), waiting only if one may be pending; nothing on backends that
  // check at once.
  virtual void check_errors() {}
  // Backend-specific switches, e.g. "tf32" or "profile" on CUDA; unknown keys throw.
  virtual void set_option(const std::string& key, double value);
  // Backend-specific counters, e.g. "kernel_ms" on CUDA; unknown keys throw.
  virtual double stat(const std::string& key);
  // A copy from the host that may run while earlier ops compute (CUDA: on the copy stream,
  // cuda/context.h); the default is copy_from_host. await_upload orders such a copy before the
  // ops that use `t` without a host wait; tensor_ref calls it when t's storage has upload_pending.
  virtual void copy_from_host_async(Tensor& dst, const void* src, size_t bytes) {
    copy_from_host(dst, src, 0, bytes);
  }
  virtual void await_upload(Tensor& /*t*/) {}
  // CUDA graphs (cuda/graphs.cu): the ops issued between graph_begin and graph_end are captured
  // into a graph (not run), which graph_launch replays and graph_destroy releases with its memory
  // pool. The defaults fail: only the CUDA devices capture.
  virtual void graph_begin();
  virtual int64_t graph_end();
  virtual void graph_launch(int64_t graph);
  virtual void graph_destroy(int64_t graph);
  // Per-replay constants (graphs.cu, graph_constants): during a capture, how much a source (a
  // generator's Philox offset, keyed by its seed) advances per replay; after it, the source's value
  // now, when the host advanced it outside the graph (an eager step between replays).
  virtual void graph_source_stride(int64_t key, int64_t stride);
  virtual void graph_rebase(int64_t graph, int kind, int64_t key, int64_t value);

  // Collectives between processes on this device's tensors (core/communicator.h; CUDA: NCCL, in
  // cuda/nccl_communicator.cu). One rank makes the group's id, which the others receive through the
  // rendezvous store; each rank then opens its communicator with it. The engine is bound on first
  // use. The defaults fail: CPU tensors go through Gloo, a library of its own (core/api/dist.cpp).
  virtual std::string collective_unique_id();
  virtual Communicator* open_communicator(int rank, int size, const std::string& id, int64_t timeout_ms);
  // "NCCL 2.27.3" once the engine is bound, else "".
  virtual std::string collective_engine();

  // The ops, one virtual per row of jdnn/ops.def; the default fails naming op and device.
#define JDNN_VIRTUAL_ROW(ret, name, params, backends) virtual ret name params;
  JDNN_BACKEND_OPS(JDNN_VIRTUAL_ROW)
#undef JDNN_VIRTUAL_ROW

 protected:
  [[noreturn]] void missing(const char* op) const;
};

// Throws, naming the device, when no backend is registered for it.
Backend& backend_for(Device device);
bool backend_loaded(Device device);
void register_backend(Device device, Backend* backend);

}  // namespace jdnn
