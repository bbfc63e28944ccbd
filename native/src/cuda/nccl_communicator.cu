// jdnn's Communicator (core/communicator.h) for CUDA tensors, on NCCL: every collective is NCCL's,
// run on a communication stream of its own, so it overlaps the compute stream's work.
//
// A call orders the collective after the work queued so far on the compute stream (an event, no
// host wait), queues it, and then waits on the host until it is done, because jdnn's Communicator
// calls are blocking (Java's ProcessGroup makes them asynchronous on its communication thread).
// While it waits it watches ncclCommGetAsyncError (a peer that died, a network error) and a
// watchdog thread watches the deadline; either way the communicator is aborted (ncclCommAbort,
// which makes NCCL's kernels give up), the call throws ErrorKind::COMMUNICATION naming the rank,
// the call and the cause, and the communicator refuses later calls. This is what PyTorch's
// watchdog does for NCCL, which itself never times out.
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "core/communicator.h"
#include "core/error.h"
#include "cuda/context.h"
#include "cuda/cuda_backend.h"
#include "cuda/nccl.h"

namespace jdnn::nccl {
namespace {

std::mutex g_bind_mutex;
NcclTable g_table;
bool g_bound = false;
std::string g_version;

}  // namespace

const NcclTable& nccl_api() {
  std::lock_guard<std::mutex> lock(g_bind_mutex);
  if (!g_bound) {
    NcclTable t;
    std::string version;
    const std::string missing = bind_nccl(t, version);
    if (!missing.empty()) fail_as(ErrorKind::COMMUNICATION, "cannot run collectives on CUDA tensors: ", missing);
    g_table = t;
    g_version = version;
    g_bound = true;
  }
  return g_table;
}

std::string nccl_version() {
  std::lock_guard<std::mutex> lock(g_bind_mutex);
  return g_version;
}

}  // namespace jdnn::nccl

namespace jdnn::cuda {
namespace {

using namespace jdnn::nccl;
using Clock = std::chrono::steady_clock;

ncclDataType_t nccl_type(const Tensor& t) {
  switch (t.dtype) {
    case DType::FLOAT32: return ncclFloat32;
    case DType::FLOAT64: return ncclFloat64;
    case DType::INT32: return ncclInt32;
    case DType::INT64: return ncclInt64;
    case DType::UINT8: return ncclUint8;
    case DType::FLOAT16: return ncclFloat16;
    case DType::BFLOAT16: return ncclBfloat16;
  }
  fail("nccl: ", t.describe(), " has no NCCL type");
}

ncclRedOp_t nccl_op(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::SUM: return ncclSum;
    case CollectiveOp::AVG: return ncclAvg;
    case CollectiveOp::MAX: return ncclMax;
  }
  fail("nccl: unknown reduction");
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(int rank, int size, const ncclUniqueId& id, int64_t timeout_ms)
      : rank_(rank), size_(size), timeout_ms_(timeout_ms) {
    const NcclTable& api = nccl_api();
    // context() also binds this thread to the backend's GPU: NCCL takes the current device as the rank's.
    device_ = context().device;
    JDNN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    JDNN_CUDA_CHECK(cudaEventCreate(&ready_));
    JDNN_CUDA_CHECK(cudaEventCreate(&done_));
    const ncclResult_t st = api.ncclCommInitRank(&comm_, size, id, rank);
    if (st != ncclSuccess) {
      release_cuda();
      fail_as(ErrorKind::COMMUNICATION, "NCCL could not set up rank ", rank, " of ", size, ": ",
              api.ncclGetErrorString(st), " (", api.ncclGetLastError(nullptr), ")");
    }
    watchdog_ = std::thread([this] { watch(); });
  }

  ~NcclCommunicator() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    watchdog_.join();
    try {
      context();  // binds this thread (any thread may close a group) to the backend's GPU
    } catch (const std::exception&) {
    }
    // Every call waited for its collective, so nothing of this communicator is queued any more.
    if (comm_ != nullptr) nccl_api().ncclCommDestroy(comm_);  // unchecked: a destructor must not throw
    release_cuda();
  }

  const char* engine() const override { return "nccl"; }
  Device device() const override { return device_; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce(Tensor& t, CollectiveOp op, int64_t timeout_ms) override {
    run("all_reduce", timeout_ms, [&](ncclComm_t c, cudaStream_t s) {
      return nccl_api().ncclAllReduce(t.storage->data, t.storage->data, static_cast<size_t>(t.numel), nccl_type(t),
                                  nccl_op(op), c, s);
    });
  }

  void broadcast(Tensor& t, int root, int64_t timeout_ms) override {
    run("broadcast", timeout_ms, [&](ncclComm_t c, cudaStream_t s) {
      return nccl_api().ncclBroadcast(t.storage->data, t.storage->data, static_cast<size_t>(t.numel), nccl_type(t), root,
                                  c, s);
    });
  }

  void all_gather(const Tensor& in, Tensor& out, int64_t timeout_ms) override {
    run("all_gather", timeout_ms, [&](ncclComm_t c, cudaStream_t s) {
      return nccl_api().ncclAllGather(in.storage->data, out.storage->data, static_cast<size_t>(in.numel), nccl_type(in),
                                  c, s);
    });
  }

  void reduce_scatter(const Tensor& in, Tensor& out, CollectiveOp op, int64_t timeout_ms) override {
    run("reduce_scatter", timeout_ms, [&](ncclComm_t c, cudaStream_t s) {
      return nccl_api().ncclReduceScatter(in.storage->data, out.storage->data, static_cast<size_t>(out.numel),
                                      nccl_type(out), nccl_op(op), c, s);
    });
  }

  // NCCL has no barrier: an all-reduce of one value on the device stands for it.
  void barrier(int64_t timeout_ms) override {
    Context& ctx = context();
    DeviceScratch one(ctx.allocator, sizeof(int32_t));
    run("barrier", timeout_ms, [&](ncclComm_t c, cudaStream_t s) {
      if (cudaMemsetAsync(one.get(), 0, sizeof(int32_t), s) != cudaSuccess) return ncclUnhandledCudaError;
      return nccl_api().ncclAllReduce(one.get(), one.get(), 1, ncclInt32, ncclSum, c, s);
    });
  }

 private:
  template <class Queue>
  void run(const char* call, int64_t timeout_ms, Queue queue) {
    Context& ctx = context();
    ncclComm_t comm = usable(call);
    // Armed before queueing: NCCL may wait for its peers inside the call itself (connections are
    // made at a pair's first collective), and only an abort ends that wait.
    arm(timeout_ms > 0 ? timeout_ms : timeout_ms_);
    struct Disarm {
      NcclCommunicator* self;
      ~Disarm() { self->disarm(); }
    } disarm_at_exit{this};
    {
      // The compute stream and its handles are shared by every thread's ops.
      std::lock_guard<std::recursive_mutex> lock(ctx.mutex);
      JDNN_CUDA_CHECK(cudaEventRecord(ready_, ctx.stream));  // the tensors' producers
      JDNN_CUDA_CHECK(cudaStreamWaitEvent(stream_, ready_, 0));
      const ncclResult_t st = queue(comm, stream_);
      if (st != ncclSuccess) {
        std::lock_guard<std::mutex> guard(mutex_);
        if (timed_out_) fail_as(ErrorKind::COMMUNICATION, timeout_message(call));
        fail_as(st == ncclInvalidArgument || st == ncclInvalidUsage ? ErrorKind::ARGUMENT : ErrorKind::COMMUNICATION,
                "nccl ", call, " on rank ", rank_, ": ", nccl_api().ncclGetErrorString(st), " (",
                nccl_api().ncclGetLastError(comm_), ")");
      }
      JDNN_CUDA_CHECK(cudaEventRecord(done_, stream_));
    }
    count(counters().syncs);
    const std::string failure = await(call);
    if (!failure.empty()) fail_as(ErrorKind::COMMUNICATION, failure);
  }

  // Waits for done_ while watching NCCL's asynchronous error; "" or what failed.
  std::string await(const char* call) {
    auto pause = std::chrono::microseconds(20);
    for (;;) {
      const cudaError_t q = cudaEventQuery(done_);
      std::unique_lock<std::mutex> lock(mutex_);
      if (timed_out_) return timeout_message(call);
      if (q != cudaSuccess && q != cudaErrorNotReady) {
        cudaGetLastError();
        abort_locked();
        return std::string("nccl ") + call + " on rank " + std::to_string(rank_) + ": CUDA error " +
               cudaGetErrorName(q) + " (" + cudaGetErrorString(q) + ")";
      }
      ncclResult_t async = ncclSuccess;
      if (nccl_api().ncclCommGetAsyncError(comm_, &async) != ncclSuccess) async = ncclInternalError;
      if (async != ncclSuccess && async != ncclInProgress) {
        std::ostringstream m;
        m << "nccl " << call << " on rank " << rank_ << " failed: " << nccl_api().ncclGetErrorString(async) << " ("
          << nccl_api().ncclGetLastError(comm_) << "); the communicator was aborted";
        broken_ = m.str();
        abort_locked();
        return broken_;
      }
      if (q == cudaSuccess) return "";
      if (pause < std::chrono::microseconds(1000)) pause *= 2;
      lock.unlock();
      std::this_thread::sleep_for(pause);
    }
  }

  std::string timeout_message(const char* call) const {
    std::ostringstream m;
    m << "nccl " << call << " on rank " << rank_ << " of " << size_ << " did not complete within " << armed_ms_
      << " ms (a peer did not take part, or stalled); the communicator was aborted";
    return m.str();
  }

  ncclComm_t usable(const char* call) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (comm_ == nullptr)
      fail_as(ErrorKind::COMMUNICATION, "nccl ", call, " on rank ", rank_, ": the communicator failed earlier (",
              broken_, "); close the group");
    return comm_;
  }

  void arm(int64_t ms) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      armed_ms_ = ms;
      deadline_ = Clock::now() + std::chrono::milliseconds(ms);
      armed_ = true;
    }
    wake_.notify_all();
  }

  void disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
  }

  // The watchdog: aborts the communicator when an armed call passes its deadline, so the waiting
  // thread (in await) sees the collective end.
  void watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (!armed_) {
        wake_.wait(lock);
      } else if (Clock::now() >= deadline_) {
        timed_out_ = true;
        armed_ = false;
        broken_ = "a collective timed out";
        abort_locked();
      } else {
        wake_.wait_until(lock, deadline_);
      }
    }
  }

  // The caller holds mutex_. NCCL's abort ends its kernels; the communicator is gone afterwards.
  void abort_locked() {
    if (comm_ == nullptr) return;
    nccl_api().ncclCommAbort(comm_);
    comm_ = nullptr;
  }

  void release_cuda() {
    if (done_ != nullptr) cudaEventDestroy(done_);
    if (ready_ != nullptr) cudaEventDestroy(ready_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
    done_ = ready_ = nullptr;
    stream_ = nullptr;
  }

  const int rank_, size_;
  const int64_t timeout_ms_;
  Device device_ = Device::CUDA;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr, done_ = nullptr;

  std::mutex mutex_;  // guards the fields below; comm_ is read without it only by the calling thread's queue step
  std::condition_variable wake_;
  ncclComm_t comm_ = nullptr;
  bool armed_ = false, timed_out_ = false, stopping_ = false;
  int64_t armed_ms_ = 0;
  Clock::time_point deadline_{};
  std::string broken_;
  std::thread watchdog_;
};

}  // namespace

std::string CudaBackend::collective_unique_id() {
  context();
  ncclUniqueId id{};
  const ncclResult_t st = nccl_api().ncclGetUniqueId(&id);
  if (st != ncclSuccess)
    fail_as(ErrorKind::COMMUNICATION, "ncclGetUniqueId failed: ", nccl_api().ncclGetErrorString(st), " (",
            nccl_api().ncclGetLastError(nullptr), ")");
  return std::string(id.internal, sizeof(id.internal));
}

Communicator* CudaBackend::open_communicator(int rank, int size, const std::string& id, int64_t timeout_ms) {
  JDNN_CHECK(id.size() == static_cast<size_t>(NCCL_UNIQUE_ID_BYTES), "nccl: the unique id has ", id.size(),
             " bytes, NCCL's have ", NCCL_UNIQUE_ID_BYTES);
  ncclUniqueId unique{};
  std::memcpy(unique.internal, id.data(), sizeof(unique.internal));
  return new NcclCommunicator(rank, size, unique, timeout_ms);
}

std::string CudaBackend::collective_engine() { return nccl_version(); }

}  // namespace jdnn::cuda
