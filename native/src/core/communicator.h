// Collective communication between the processes of a distributed job (org.jdnn.tensor.Communicator).
// libjdnn only declares the interface and keeps the open communicators; the engines live in their
// own libraries, loaded on demand: today Gloo (CPU tensors over TCP, libjdnn_gloo, built against
// Debian's libgloo-dev); CUDA tensors through NCCL, opened by the CUDA backend
// (cuda/nccl_communicator.cu, Backend::open_communicator). jdnn has no collective algorithm of its
// own: every reduction below is the engine's.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/tensor.h"

namespace jdnn {

// org.jdnn.tensor.Communicator's codes. AVG is the engine's sum divided by the world size (floating
// types only), as NCCL's ncclAvg defines it.
enum class CollectiveOp : int { SUM = 0, AVG = 1, MAX = 2 };
const char* collective_op_name(CollectiveOp op);

// One rank's membership in a group of `size` processes. Calls are collective: every rank makes the
// same calls in the same order with tensors of the same dtype and element count. A call that cannot
// complete (a peer died or did not arrive within the timeout) throws ErrorKind::COMMUNICATION; the
// communicator is unusable afterwards (Java closes it). Not thread-safe: Java runs one call at a time.
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual const char* engine() const = 0;
  // The device whose tensors it carries (the facade refuses others).
  virtual Device device() const = 0;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // timeout_ms > 0 bounds each call; <= 0 takes the communicator's default.
  virtual void all_reduce(Tensor& t, CollectiveOp op, int64_t timeout_ms) = 0;
  virtual void broadcast(Tensor& t, int root, int64_t timeout_ms) = 0;
  // out holds size() blocks of in's element count, rank k's input in block k.
  virtual void all_gather(const Tensor& in, Tensor& out, int64_t timeout_ms) = 0;
  // in holds size() blocks of out's element count; out = the reduction of every rank's block rank().
  virtual void reduce_scatter(const Tensor& in, Tensor& out, CollectiveOp op, int64_t timeout_ms) = 0;
  virtual void barrier(int64_t timeout_ms) = 0;
};

// What a Gloo rank needs to join its group: the rendezvous store (org.jdnn.distributed.TcpStore,
// whose wire protocol libjdnn_gloo speaks), a key prefix unique to the group, the address its own
// TCP listener binds (an address the other ranks can reach) or a network interface name.
struct GlooSettings {
  int rank;
  int size;
  const char* store_host;
  int store_port;
  const char* prefix;
  const char* hostname;  // may be empty when iface is set
  const char* iface;     // may be empty
  int64_t timeout_ms;
};

// libjdnn_gloo's entry point: 0 and *out set, or the ErrorKind with a message (what failed, how to fix).
using GlooOpen = int (*)(const GlooSettings* settings, Communicator** out, char* message, size_t capacity);

}  // namespace jdnn
