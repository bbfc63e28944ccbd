// The emulated NCCL: a test double with NCCL's signatures and semantics (nccl.h) so that the CUDA
// communicator (nccl_communicator.cu) and everything above it run in CI, ranks being separate
// processes on one machine. The product's GPU engine is NCCL itself; this carries bytes through a
// POSIX shared-memory segment named by the unique id.
//
// Semantics kept, strictly:
// - ncclGetUniqueId makes an id, which every rank passes to ncclCommInitRank; init blocks until all
//   `nranks` ranks have joined (no timeout, as NCCL's). A rank joining twice or a different nranks
//   is ncclInvalidUsage.
// - A communicator belongs to the GPU current on the thread that called ncclCommInitRank; its
//   collectives take streams and memory of that GPU only.
// - Collectives check their arguments at the call (device memory of the sizes given, a known type
//   and reduction) and are queued on the stream: they run in stream order when the emulated device
//   reaches them (a synchronization), never at the call.
// - A collective that cannot complete (a peer process exited, the communicator was aborted) leaves
//   its output poisoned (NaN) and reports through ncclCommGetAsyncError, not through the stream,
//   as NCCL does; one that waits for a peer that never comes waits until ncclCommAbort, called
//   from another thread, makes it give up (NCCL's kernels do the same).
// - Work queued on a destroyed communicator fails the stream (cudaErrorLaunchFailure): NCCL requires
//   a communicator's work to finish before ncclCommDestroy.
// Reductions run in rank order (rank 0's value, then rank 1's, ...) in the element type, AVG as the
// sum divided by the rank count; float16/bfloat16 reduce through float32 and round once per rank.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cuda/emu/emu_internal.h"
#include "cuda/nccl.h"
#include "kernels/half.h"

namespace jdnn::nccl {
namespace {

constexpr char kMagic[] = "jdnn-emulated-nccl";
constexpr int kMaxRanks = 64;
// Bytes each rank stages per round; a collective moves its buffers in rounds of this size.
constexpr size_t kChunk = size_t(1) << 20;

// The shared segment: written by all ranks, only through atomics (header) or between barriers (slots).
struct Header {
  std::atomic<int32_t> nranks;
  std::atomic<int32_t> pids[kMaxRanks];     // each rank's process, 0 until it joined
  std::atomic<uint64_t> arrived[kMaxRanks];  // barriers each rank has reached
};
constexpr size_t kSlotsOffset = (sizeof(Header) + 4095) / 4096 * 4096;
constexpr size_t kSegmentBytes = kSlotsOffset + kMaxRanks * kChunk;  // sparse on tmpfs: pages appear when touched

struct Id {
  char magic[sizeof(kMagic)];
  char name[96];
};
static_assert(sizeof(Id) <= NCCL_UNIQUE_ID_BYTES, "the id fits NCCL's");

// A communicator's state; queued work holds it, so it outlives ncclCommDestroy until that work ran.
struct State {
  int rank = 0, nranks = 0;
  int device = 0;  // the GPU current on the thread that called ncclCommInitRank
  std::string name;
  Header* header = nullptr;
  char* slots = nullptr;
  uint64_t barriers = 0;  // this rank's barrier count; touched only by the work, one item at a time
  std::atomic<bool> aborted{false};
  std::atomic<bool> destroyed{false};
  std::atomic<int> running{0};  // collectives executing now (abort waits for them to leave)
  std::mutex error_mutex;
  ncclResult_t async_error = ncclSuccess;
  std::string last_error;

  ~State() {
    if (header != nullptr) munmap(header, kSegmentBytes);
  }
  char* slot(int r) const { return slots + static_cast<size_t>(r) * kChunk; }
  void fail(ncclResult_t e, const std::string& why) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (async_error == ncclSuccess) {
      async_error = e;
      last_error = why;
    }
  }
};

}  // namespace

struct ncclComm {
  std::shared_ptr<State> state;
};

namespace {

thread_local std::string g_last_error;  // for ncclGetLastError(nullptr) and failed calls before a comm

ncclResult_t refuse(ncclResult_t e, const std::string& why) {
  g_last_error = why;
  return e;
}

bool process_alive(int pid) { return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH); }

// Waits, politely (the emulated device is the host's CPU), until done() or a reason to stop: the
// communicator aborted, or a rank's process exited. Returns "" or why it stopped.
template <class Done>
std::string wait_for(State& s, Done done) {
  auto last_check = std::chrono::steady_clock::now();
  for (int spins = 0; !done(); ++spins) {
    if (s.aborted.load()) return "the communicator was aborted (ncclCommAbort) while this collective waited";
    if (spins < 64) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(spins < 1000 ? 20 : 200));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check > std::chrono::milliseconds(50)) {
      last_check = now;
      for (int r = 0; r < s.nranks; ++r) {
        const int pid = s.header->pids[r].load();
        if (pid != 0 && !process_alive(pid)) {
          std::ostringstream m;
          m << "rank " << r << " (process " << pid << ") exited";
          return m.str();
        }
      }
    }
  }
  return "";
}

std::string barrier(State& s) {
  const uint64_t target = ++s.barriers;
  s.header->arrived[s.rank].store(target, std::memory_order_release);
  return wait_for(s, [&] {
    for (int r = 0; r < s.nranks; ++r)
      if (s.header->arrived[r].load(std::memory_order_acquire) < target) return false;
    return true;
  });
}

size_t type_bytes(ncclDataType_t t) {
  switch (t) {
    case ncclInt8: case ncclUint8: return 1;
    case ncclFloat16: case ncclBfloat16: return 2;
    case ncclInt32: case ncclUint32: case ncclFloat32: return 4;
    case ncclInt64: case ncclUint64: case ncclFloat64: return 8;
  }
  return 0;
}

template <class T>
void reduce_typed(char* out, const State& s, size_t bytes, ncclRedOp_t op) {
  const size_t n = bytes / sizeof(T);
  T* o = reinterpret_cast<T*>(out);
  using Acc = std::conditional_t<std::is_same_v<T, kernels::Float16> || std::is_same_v<T, kernels::BFloat16>, float, T>;
  for (size_t i = 0; i < n; ++i) {
    Acc acc = static_cast<Acc>(reinterpret_cast<const T*>(s.slot(0))[i]);
    for (int r = 1; r < s.nranks; ++r) {
      const Acc v = static_cast<Acc>(reinterpret_cast<const T*>(s.slot(r))[i]);
      switch (op) {
        case ncclSum: case ncclAvg: acc = static_cast<Acc>(acc + v); break;
        case ncclProd: acc = static_cast<Acc>(acc * v); break;
        // NaN wins, as NCCL's max/min propagate it.
        case ncclMax: if (!(acc != acc) && (v != v || v > acc)) acc = v; break;
        case ncclMin: if (!(acc != acc) && (v != v || v < acc)) acc = v; break;
      }
      if constexpr (!std::is_same_v<Acc, T>) acc = static_cast<float>(T(acc));  // rounded per rank
    }
    if (op == ncclAvg) acc = static_cast<Acc>(acc / static_cast<Acc>(s.nranks));
    o[i] = T(acc);
  }
}

void reduce(char* out, const State& s, size_t bytes, ncclDataType_t t, ncclRedOp_t op) {
  switch (t) {
    case ncclInt8: return reduce_typed<int8_t>(out, s, bytes, op);
    case ncclUint8: return reduce_typed<uint8_t>(out, s, bytes, op);
    case ncclInt32: return reduce_typed<int32_t>(out, s, bytes, op);
    case ncclUint32: return reduce_typed<uint32_t>(out, s, bytes, op);
    case ncclInt64: return reduce_typed<int64_t>(out, s, bytes, op);
    case ncclUint64: return reduce_typed<uint64_t>(out, s, bytes, op);
    case ncclFloat16: return reduce_typed<kernels::Float16>(out, s, bytes, op);
    case ncclBfloat16: return reduce_typed<kernels::BFloat16>(out, s, bytes, op);
    case ncclFloat32: return reduce_typed<float>(out, s, bytes, op);
    case ncclFloat64: return reduce_typed<double>(out, s, bytes, op);
  }
}

// Checks a device buffer argument at the call; "" or what is wrong. NCCL reads and writes the
// memory of the communicator's GPU only.
std::string device_buffer(const void* p, size_t bytes, const char* role, int device) {
  if (bytes == 0) return "";
  cuda::emu::Span span;
  std::ostringstream m;
  if (!cuda::emu::find_live(p, bytes, &span)) {
    m << "the " << role << " " << p << " (" << bytes << " bytes) lies in no live device allocation: a host pointer, a "
      << "freed tensor's memory or a range past an allocation's end";
  } else if (span.device != device) {
    m << "the " << role << " " << p << " is memory of GPU " << span.device << ", but the communicator belongs to GPU "
      << device << " (the thread's current device at ncclCommInitRank)";
  }
  return m.str();
}

// Validates a collective at the call and queues `rounds` (the data movement) on the stream.
// The work runs when the emulated device reaches it.
template <class Rounds>
ncclResult_t queue(const char* call, ncclComm_t comm, cudaStream_t stream, void* recv, size_t recv_bytes,
                   const std::vector<std::pair<const void*, size_t>>& reads, Rounds rounds) {
  if (comm == nullptr) return refuse(ncclInvalidArgument, std::string(call) + ": null communicator");
  std::shared_ptr<State> s = comm->state;
  if (s->destroyed.load() || s->aborted.load())
    return refuse(ncclInvalidUsage, std::string(call) + ": the communicator was destroyed or aborted");
  if (cuda::emu::stream_device(stream) != s->device) {
    std::ostringstream m;
    m << call << ": the stream belongs to GPU " << cuda::emu::stream_device(stream) << ", the communicator to GPU "
      << s->device;
    return refuse(ncclInvalidArgument, m.str());
  }
  if (cuda::emu::stream_capturing(stream))
    return refuse(ncclInvalidUsage, std::string(call) + ": the emulated NCCL does not take part in stream capture");
  for (const auto& [p, bytes] : reads)
    if (std::string why = device_buffer(p, bytes, "send buffer", s->device); !why.empty())
      return refuse(ncclInvalidArgument, std::string(call) + ": " + why);
  if (std::string why = device_buffer(recv, recv_bytes, "receive buffer", s->device); !why.empty())
    return refuse(ncclInvalidArgument, std::string(call) + ": " + why);
  cuda::emu::enqueue_named(stream, call, [s, call, recv, recv_bytes, rounds] {
    if (s->destroyed.load()) {
      cuda::emu::fail_work(cudaErrorLaunchFailure, std::string(call) + " ran on a communicator destroyed before its "
                                                   "queued work finished (synchronize the stream before ncclCommDestroy)");
      return;
    }
    s->running.fetch_add(1);
    std::string why;
    {
      std::lock_guard<std::mutex> lock(s->error_mutex);
      if (s->async_error != ncclSuccess) why = "an earlier collective failed: " + s->last_error;
    }
    if (why.empty() && !s->aborted.load()) why = rounds(*s);
    if (s->aborted.load() && why.empty()) why = "the communicator was aborted (ncclCommAbort)";
    if (!why.empty()) {
      std::memset(recv, cuda::emu::kPoison, recv_bytes);  // what an interrupted collective leaves: garbage
      s->fail(why.find("exited") != std::string::npos ? ncclRemoteError : ncclSystemError,
              std::string(call) + " on rank " + std::to_string(s->rank) + ": " + why);
    }
    s->running.fetch_sub(1);
  });
  return ncclSuccess;
}

bool known_op(ncclRedOp_t op) { return op >= ncclSum && op <= ncclAvg; }
bool floating(ncclDataType_t t) {
  return t == ncclFloat16 || t == ncclFloat32 || t == ncclFloat64 || t == ncclBfloat16;
}

ncclResult_t check_type(const char* call, ncclDataType_t t, size_t count) {
  if (type_bytes(t) == 0) return refuse(ncclInvalidArgument, std::string(call) + ": unknown data type " + std::to_string(t));
  if (count > (SIZE_MAX / 8) / kMaxRanks) return refuse(ncclInvalidArgument, std::string(call) + ": count too large");
  return ncclSuccess;
}

}  // namespace

namespace emu {

ncclResult_t ncclGetVersion(int* version) {
  if (version == nullptr) return refuse(ncclInvalidArgument, "ncclGetVersion: null pointer");
  *version = 22703;  // the API level emulated: NCCL 2.27
  return ncclSuccess;
}

ncclResult_t ncclGetUniqueId(ncclUniqueId* uniqueId) {
  if (uniqueId == nullptr) return refuse(ncclInvalidArgument, "ncclGetUniqueId: null pointer");
  static std::atomic<uint64_t> counter{0};
  std::random_device entropy;
  Id id{};
  std::memcpy(id.magic, kMagic, sizeof(kMagic));
  std::snprintf(id.name, sizeof(id.name), "/jdnn-nccl-emu-%d-%llu-%08x", static_cast<int>(getpid()),
                static_cast<unsigned long long>(counter.fetch_add(1)), entropy());
  std::memset(uniqueId, 0, sizeof(*uniqueId));
  std::memcpy(uniqueId->internal, &id, sizeof(id));
  return ncclSuccess;
}

ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank) {
  if (comm == nullptr) return refuse(ncclInvalidArgument, "ncclCommInitRank: null communicator pointer");
  *comm = nullptr;
  if (nranks < 1 || nranks > kMaxRanks || rank < 0 || rank >= nranks) {
    std::ostringstream m;
    m << "ncclCommInitRank: rank " << rank << " of " << nranks << " (the emulation takes 1 to " << kMaxRanks << " ranks)";
    return refuse(ncclInvalidArgument, m.str());
  }
  Id id{};
  std::memcpy(&id, commId.internal, sizeof(id));
  if (std::memcmp(id.magic, kMagic, sizeof(kMagic)) != 0 || id.name[0] != '/' || std::memchr(id.name, 0, sizeof(id.name)) == nullptr)
    return refuse(ncclInvalidArgument, "ncclCommInitRank: the unique id was not made by ncclGetUniqueId of the emulated NCCL");

  const int fd = shm_open(id.name, O_RDWR | O_CREAT, 0600);
  if (fd < 0) return refuse(ncclSystemError, std::string("ncclCommInitRank: shm_open ") + id.name + ": " + std::strerror(errno));
  // Every rank sizes the segment alike, so no rank's mapping is ever cut short.
  if (ftruncate(fd, static_cast<off_t>(kSegmentBytes)) != 0) {
    const int e = errno;
    close(fd);
    return refuse(ncclSystemError, std::string("ncclCommInitRank: ftruncate: ") + std::strerror(e));
  }
  void* map = mmap(nullptr, kSegmentBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return refuse(ncclSystemError, std::string("ncclCommInitRank: mmap: ") + std::strerror(errno));

  auto s = std::make_shared<State>();
  s->rank = rank;
  s->nranks = nranks;
  s->device = cuda::emu::current_device();
  s->name = id.name;
  s->header = static_cast<Header*>(map);
  s->slots = static_cast<char*>(map) + kSlotsOffset;
  int32_t expected = 0;
  if (!s->header->nranks.compare_exchange_strong(expected, nranks) && expected != nranks) {
    std::ostringstream m;
    m << "ncclCommInitRank: rank " << rank << " was given nranks " << nranks << ", an earlier rank " << expected;
    return refuse(ncclInvalidUsage, m.str());
  }
  int32_t none = 0;
  if (!s->header->pids[rank].compare_exchange_strong(none, static_cast<int32_t>(getpid()))) {
    std::ostringstream m;
    m << "ncclCommInitRank: rank " << rank << " joined twice (also process " << none << ")";
    return refuse(ncclInvalidUsage, m.str());
  }
  // NCCL's init returns once every rank has joined.
  const std::string why = wait_for(*s, [&] {
    for (int r = 0; r < nranks; ++r)
      if (s->header->pids[r].load() == 0) return false;
    return true;
  });
  if (!why.empty()) return refuse(ncclRemoteError, "ncclCommInitRank: " + why);
  if (rank == 0) shm_unlink(id.name);  // every rank has it mapped; the name is no longer needed
  *comm = new ncclComm{std::move(s)};
  return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
  if (comm == nullptr) return refuse(ncclInvalidArgument, "ncclCommDestroy: null communicator");
  comm->state->destroyed.store(true);
  delete comm;  // queued work keeps the state (and its mapping) until it ran and failed
  return ncclSuccess;
}

ncclResult_t ncclCommAbort(ncclComm_t comm) {
  if (comm == nullptr) return ncclSuccess;
  std::shared_ptr<State> s = comm->state;
  s->aborted.store(true);
  while (s->running.load() != 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
  s->destroyed.store(true);
  if (s->rank == 0) shm_unlink(s->name.c_str());  // in case a rank never joined
  delete comm;
  return ncclSuccess;
}

ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t* asyncError) {
  if (comm == nullptr || asyncError == nullptr) return refuse(ncclInvalidArgument, "ncclCommGetAsyncError: null argument");
  std::lock_guard<std::mutex> lock(comm->state->error_mutex);
  *asyncError = comm->state->async_error;
  return ncclSuccess;
}

const char* ncclGetErrorString(ncclResult_t result) {
  switch (result) {
    case ncclSuccess: return "no error";
    case ncclUnhandledCudaError: return "unhandled cuda error";
    case ncclSystemError: return "unhandled system error";
    case ncclInternalError: return "internal error";
    case ncclInvalidArgument: return "invalid argument";
    case ncclInvalidUsage: return "invalid usage";
    case ncclRemoteError: return "remote process exited or there was a network error";
    case ncclInProgress: return "NCCL operation in progress";
  }
  return "unknown result code";
}

const char* ncclGetLastError(ncclComm_t comm) {
  if (comm != nullptr) {
    std::lock_guard<std::mutex> lock(comm->state->error_mutex);
    if (!comm->state->last_error.empty()) {
      thread_local std::string copy;
      copy = comm->state->last_error;
      return copy.c_str();
    }
  }
  return g_last_error.c_str();
}

ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op,
                           ncclComm_t comm, cudaStream_t stream) {
  if (ncclResult_t e = check_type("ncclAllReduce", datatype, count); e != ncclSuccess) return e;
  if (!known_op(op)) return refuse(ncclInvalidArgument, "ncclAllReduce: unknown reduction " + std::to_string(op));
  if (op == ncclAvg && !floating(datatype)) return refuse(ncclInvalidArgument, "ncclAllReduce: ncclAvg needs a floating type");
  const size_t bytes = count * type_bytes(datatype);
  const char* send = static_cast<const char*>(sendbuff);
  char* recv = static_cast<char*>(recvbuff);
  return queue("ncclAllReduce", comm, stream, recvbuff, bytes, {{sendbuff, bytes}}, [=](State& s) -> std::string {
    std::vector<char> out(std::min(bytes, kChunk));
    for (size_t off = 0; off < bytes; off += kChunk) {
      const size_t n = std::min(kChunk, bytes - off);
      std::memcpy(s.slot(s.rank), send + off, n);
      if (std::string why = barrier(s); !why.empty()) return why;
      reduce(out.data(), s, n, datatype, op);
      if (std::string why = barrier(s); !why.empty()) return why;  // every rank has read the slots
      std::memcpy(recv + off, out.data(), n);
    }
    return "";
  });
}

ncclResult_t ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, int root,
                           ncclComm_t comm, cudaStream_t stream) {
  if (ncclResult_t e = check_type("ncclBroadcast", datatype, count); e != ncclSuccess) return e;
  if (comm != nullptr && (root < 0 || root >= comm->state->nranks))
    return refuse(ncclInvalidArgument, "ncclBroadcast: root " + std::to_string(root) + " outside the communicator");
  const size_t bytes = count * type_bytes(datatype);
  const bool is_root = comm != nullptr && comm->state->rank == root;
  const char* send = static_cast<const char*>(sendbuff);
  char* recv = static_cast<char*>(recvbuff);
  std::vector<std::pair<const void*, size_t>> reads;
  if (is_root) reads.emplace_back(sendbuff, bytes);  // only the root's send buffer is read
  return queue("ncclBroadcast", comm, stream, recvbuff, bytes, reads, [=](State& s) -> std::string {
    for (size_t off = 0; off < bytes; off += kChunk) {
      const size_t n = std::min(kChunk, bytes - off);
      if (s.rank == root) std::memcpy(s.slot(root), send + off, n);
      if (std::string why = barrier(s); !why.empty()) return why;
      std::memcpy(recv + off, s.slot(root), n);
      if (std::string why = barrier(s); !why.empty()) return why;
    }
    return "";
  });
}

ncclResult_t ncclAllGather(const void* sendbuff, void* recvbuff, size_t sendcount, ncclDataType_t datatype,
                           ncclComm_t comm, cudaStream_t stream) {
  if (ncclResult_t e = check_type("ncclAllGather", datatype, sendcount); e != ncclSuccess) return e;
  const size_t bytes = sendcount * type_bytes(datatype);
  const int nranks = comm != nullptr ? comm->state->nranks : 1;
  const char* send = static_cast<const char*>(sendbuff);
  char* recv = static_cast<char*>(recvbuff);
  return queue("ncclAllGather", comm, stream, recvbuff, bytes * nranks, {{sendbuff, bytes}}, [=](State& s) -> std::string {
    for (size_t off = 0; off < bytes; off += kChunk) {
      const size_t n = std::min(kChunk, bytes - off);
      std::memcpy(s.slot(s.rank), send + off, n);
      if (std::string why = barrier(s); !why.empty()) return why;
      for (int r = 0; r < s.nranks; ++r) std::memcpy(recv + r * bytes + off, s.slot(r), n);
      if (std::string why = barrier(s); !why.empty()) return why;
    }
    return "";
  });
}

ncclResult_t ncclReduceScatter(const void* sendbuff, void* recvbuff, size_t recvcount, ncclDataType_t datatype,
                               ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream) {
  if (ncclResult_t e = check_type("ncclReduceScatter", datatype, recvcount); e != ncclSuccess) return e;
  if (!known_op(op)) return refuse(ncclInvalidArgument, "ncclReduceScatter: unknown reduction " + std::to_string(op));
  if (op == ncclAvg && !floating(datatype)) return refuse(ncclInvalidArgument, "ncclReduceScatter: ncclAvg needs a floating type");
  const size_t bytes = recvcount * type_bytes(datatype);
  const int nranks = comm != nullptr ? comm->state->nranks : 1;
  const char* send = static_cast<const char*>(sendbuff);
  char* recv = static_cast<char*>(recvbuff);
  return queue("ncclReduceScatter", comm, stream, recvbuff, bytes, {{sendbuff, bytes * nranks}}, [=](State& s) -> std::string {
    std::vector<char> out(std::min(bytes, kChunk));
    for (int block = 0; block < s.nranks; ++block) {
      for (size_t off = 0; off < bytes; off += kChunk) {
        const size_t n = std::min(kChunk, bytes - off);
        std::memcpy(s.slot(s.rank), send + block * bytes + off, n);
        if (std::string why = barrier(s); !why.empty()) return why;
        if (block == s.rank) reduce(out.data(), s, n, datatype, op);
        if (std::string why = barrier(s); !why.empty()) return why;
        if (block == s.rank) std::memcpy(recv + off, out.data(), n);
      }
    }
    return "";
  });
}

}  // namespace emu

std::string bind_nccl(NcclTable& t, std::string& version) {
#define JDNN_NCCL_EMU_BIND(name, ret, params) t.name = &emu::name;
  JDNN_NCCL_FUNCTIONS(JDNN_NCCL_EMU_BIND)
#undef JDNN_NCCL_EMU_BIND
  version = "NCCL emulated on the CPU (shared memory between the ranks' processes)";
  return "";
}

}  // namespace jdnn::nccl
