// libjdnn_gloo: jdnn's Communicator on Gloo (CPU tensors over TCP), built against Debian's
// libgloo-dev and loaded by libjdnn on demand (core/api/dist.cpp). Every reduction is Gloo's:
// allreduce, broadcast, allgather and barrier through its options API, reduce-scatter as its
// all-reduce. Collectives run one at a time (Java's ProcessGroup worker thread), so a counter gives
// every call the same tag on every rank.
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/communicator.h"
#include "core/error.h"
#include "dist/gloo/store_client.h"

namespace jdnn::dist {
namespace {

using Millis = std::chrono::milliseconds;
using ReduceFn = void (*)(void*, const void*, const void*, size_t);

// Calls f with a null pointer of the C++ type of t's dtype; dtypes Gloo cannot reduce are refused.
template <class F>
void with_type(const char* op, const Tensor& t, F&& f) {
  switch (t.dtype) {
    case DType::FLOAT32: return f(static_cast<float*>(nullptr));
    case DType::FLOAT64: return f(static_cast<double*>(nullptr));
    case DType::INT32: return f(static_cast<int32_t*>(nullptr));
    case DType::INT64: return f(static_cast<int64_t*>(nullptr));
    case DType::UINT8: return f(static_cast<uint8_t*>(nullptr));
    default:
      fail("gloo ", op, ": ", t.describe(), ": Gloo collectives take float32, float64, int32, int64 or uint8 tensors");
  }
}

template <class T>
ReduceFn reduction(CollectiveOp op) {
  return op == CollectiveOp::MAX ? static_cast<ReduceFn>(&gloo::max<T>) : static_cast<ReduceFn>(&gloo::sum<T>);
}

// AVG: the sum divided by the world size, in the tensor's own type (floating types only).
template <class T>
void divide(T* data, int64_t n, int size) {
  if constexpr (std::is_floating_point_v<T>) {
    for (int64_t i = 0; i < n; ++i) data[i] /= static_cast<T>(size);
  } else {
    (void)data, (void)n, (void)size;
    fail("gloo all_reduce: avg needs a float32 or float64 tensor (an integer average would be truncated); use sum");
  }
}

void require_cpu(const char* op, const Tensor& t) {
  JDNN_CHECK(t.device == Device::CPU, "gloo ", op, ": ", t.describe(),
             " is not on the CPU; Gloo carries CPU tensors");
}

class GlooCommunicator final : public Communicator {
 public:
  GlooCommunicator(std::shared_ptr<gloo::rendezvous::Context> context, std::shared_ptr<gloo::transport::Device> device,
                   Millis timeout)
      : context_(std::move(context)), device_(std::move(device)), timeout_(timeout) {}

  const char* engine() const override { return "gloo"; }
  Device device() const override { return Device::CPU; }
  int rank() const override { return context_->rank; }
  int size() const override { return context_->size; }

  void all_reduce(Tensor& t, CollectiveOp op, int64_t timeout_ms) override {
    require_cpu("all_reduce", t);
    if (t.numel == 0) return;
    with_type("all_reduce", t, [&](auto* type) {
      using T = std::remove_pointer_t<decltype(type)>;
      if (op == CollectiveOp::AVG && !std::is_floating_point_v<T>) divide<T>(nullptr, 0, 1);  // refuses integers
      run("all_reduce", [&] {
        gloo::AllreduceOptions o(context_);
        o.setOutput(t.data<T>(), static_cast<size_t>(t.numel));
        o.setReduceFunction(reduction<T>(op));
        o.setTag(next_tag());
        o.setTimeout(timeout_of(timeout_ms));
        gloo::allreduce(o);
      });
      if (op == CollectiveOp::AVG) divide(t.data<T>(), t.numel, size());
    });
  }

  void broadcast(Tensor& t, int root, int64_t timeout_ms) override {
    require_cpu("broadcast", t);
    if (t.numel == 0) return;
    with_type("broadcast", t, [&](auto* type) {
      using T = std::remove_pointer_t<decltype(type)>;
      run("broadcast", [&] {
        gloo::BroadcastOptions o(context_);
        o.setOutput(t.data<T>(), static_cast<size_t>(t.numel));  // the root sends from it, the others receive into it
        o.setRoot(root);
        o.setTag(next_tag());
        o.setTimeout(timeout_of(timeout_ms));
        gloo::broadcast(o);
      });
    });
  }

  void all_gather(const Tensor& in, Tensor& out, int64_t timeout_ms) override {
    require_cpu("all_gather", in);
    if (in.numel == 0) return;
    with_type("all_gather", in, [&](auto* type) {
      using T = std::remove_pointer_t<decltype(type)>;
      run("all_gather", [&] {
        gloo::AllgatherOptions o(context_);
        o.setInput(in.data<T>(), static_cast<size_t>(in.numel));
        o.setOutput(out.data<T>(), static_cast<size_t>(out.numel));
        o.setTag(next_tag());
        o.setTimeout(timeout_of(timeout_ms));
        gloo::allgather(o);
      });
    });
  }

  // Gloo's all-reduce over the whole input, then this rank's block: twice the traffic of a dedicated
  // reduce-scatter, but Gloo's options API has none (its halving-doubling algorithm class leaves the
  // blocks where its own chunking puts them), and no reduction of jdnn's own is wanted.
  void reduce_scatter(const Tensor& in, Tensor& out, CollectiveOp op, int64_t timeout_ms) override {
    require_cpu("reduce_scatter", in);
    if (out.numel == 0) return;
    with_type("reduce_scatter", in, [&](auto* type) {
      using T = std::remove_pointer_t<decltype(type)>;
      if (op == CollectiveOp::AVG && !std::is_floating_point_v<T>) divide<T>(nullptr, 0, 1);
      std::vector<T> work(in.data<T>(), in.data<T>() + in.numel);
      run("reduce_scatter", [&] {
        gloo::AllreduceOptions o(context_);
        o.setOutput(work.data(), work.size());
        o.setReduceFunction(reduction<T>(op));
        o.setTag(next_tag());
        o.setTimeout(timeout_of(timeout_ms));
        gloo::allreduce(o);
      });
      std::memcpy(out.data<T>(), work.data() + static_cast<int64_t>(rank()) * out.numel, sizeof(T) * out.numel);
      if (op == CollectiveOp::AVG) divide(out.data<T>(), out.numel, size());
    });
  }

  void barrier(int64_t timeout_ms) override {
    run("barrier", [&] {
      gloo::BarrierOptions o(context_);
      o.setTag(next_tag());
      o.setTimeout(timeout_of(timeout_ms));
      gloo::barrier(o);
    });
  }

 private:
  // Gloo reports a dead or late peer with an exception (IoException, a timeout); after one the
  // pairs' state is unknown, so the communicator refuses further calls.
  template <class F>
  void run(const char* op, F&& f) {
    JDNN_CHECK_AS(ErrorKind::COMMUNICATION, failure_.empty(), "gloo ", op, ": this communicator failed earlier (",
                  failure_, "); close it and start a new group");
    try {
      f();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      failure_ = e.what();
      fail_as(ErrorKind::COMMUNICATION, "gloo ", op, " failed: ", e.what());
    }
  }

  uint32_t next_tag() { return tag_++; }
  Millis timeout_of(int64_t timeout_ms) const { return timeout_ms > 0 ? Millis(timeout_ms) : timeout_; }

  std::shared_ptr<gloo::rendezvous::Context> context_;
  std::shared_ptr<gloo::transport::Device> device_;
  Millis timeout_;
  uint32_t tag_ = 0;
  std::string failure_;
};

void write_message(char* message, size_t capacity, const std::string& text) {
  std::snprintf(message, capacity, "%s", text.c_str());
}

}  // namespace
}  // namespace jdnn::dist

extern "C" __attribute__((visibility("default"))) int jdnn_gloo_open(const jdnn::GlooSettings* s,
                                                                      jdnn::Communicator** out, char* message,
                                                                      size_t capacity) {
  using namespace jdnn;
  using namespace jdnn::dist;
  try {
    gloo::transport::tcp::attr attr;
    if (s->iface[0] != '\0') attr.iface = s->iface;
    else attr.hostname = s->hostname;
    auto device = gloo::transport::tcp::CreateDevice(attr);
    auto context = std::make_shared<gloo::rendezvous::Context>(s->rank, s->size);
    const Millis timeout(s->timeout_ms);
    context->setTimeout(timeout);
    StoreClient store(s->store_host, s->store_port, timeout);
    gloo::rendezvous::PrefixStore prefixed(s->prefix, store);
    context->connectFullMesh(prefixed, device);
    *out = new GlooCommunicator(std::move(context), std::move(device), timeout);
    return 0;
  } catch (const Error& e) {
    write_message(message, capacity, e.what());
    return static_cast<int>(e.kind());
  } catch (const std::exception& e) {
    write_message(message, capacity,
                  std::string("Gloo could not connect rank ") + std::to_string(s->rank) + " of " +
                      std::to_string(s->size) + " (listening on " + (s->iface[0] != '\0' ? s->iface : s->hostname) +
                      "): " + e.what());
    return static_cast<int>(ErrorKind::COMMUNICATION);
  }
}
