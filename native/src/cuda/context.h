// Per-process state of the CUDA backend: the compute stream, the cuBLAS and
// cuDNN handles bound to it, the caching device allocator, a reusable
// workspace, pinned staging buffers, the op profiler and the host waits
// (wait_for_stream / wait_for_event, counted for Device.stats()).
//
// One GPU per process: jdnn_backend_init binds the ordinal it is given (Device.cuda(): LOCAL_RANK's
// GPU, else 0, among those CUDA_VISIBLE_DEVICES shows), and data-parallel jobs run a process per GPU.
// The CUDA runtime's current device is per host thread and a new thread starts on device 0, so every
// thread that enters the backend (the main thread, data loaders, a process group's communication
// thread, one closing a tensor) calls cudaSetDevice(ordinal) before its first runtime call: context()
// does it, once per thread, and so do the allocator's entry points, which also run outside ops.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/allocator.h"
#include "core/tensor.h"
#include "cuda/device_errors.h"
#include "cuda/finish_counter.h"
#include "cuda/runtime.h"
#include "cuda/vendor.h"

namespace jdnn::cuda {

// Caching allocator for device memory. Every block belongs to the compute
// stream (the backend issues all work there but prefetched uploads), so a freed block can be
// handed out again at once: work that used it is ordered before work that reuses it. A block
// written by the copy stream (Context::upload_async) is made the compute stream's again before
// any compute op reads it or it returns to the cache (Context::await_upload).
// Blocks are binned by round_block_size; after the first training step a loop
// whose shapes repeat calls cudaMalloc no more. On cudaMalloc failure the cache
// is released and the call retried once before an out-of-memory error.
class DeviceAllocator final : public CachingAllocator {
 public:
  int64_t device_mallocs() const { return system_allocations(); }  // cudaMalloc calls so far

 protected:
  void* system_allocate(size_t bytes) override;
  void system_free(void* p) override;
  // Cached blocks may still be read by queued work that freed them: wait for the stream.
  void before_release() override;
  [[noreturn]] void out_of_memory(size_t bytes, int64_t bytes_in_use) override;
  // cudaMalloc is not allowed while a graph is captured: fails naming the fix.
  void capture_needs_system_block(size_t bytes) override;
  // A block freed while its upload may still run on the copy stream: compute waits for it first.
  void taken_back(void* p) override;
#if defined(JDNN_CUDA_EMU)
  // The emulation tracks every tensor's memory at its exact size and poisons freed blocks.
  void handed_out(void* p, size_t bytes) override;
#endif
};

// Pinned upload buffers: a few let uploads overlap queued work; the cap keeps a loader of
// large batches from pinning much more host memory than one buffer would.
constexpr size_t kUploadBuffers = 4;
constexpr size_t kUploadPinnedCap = size_t(256) << 20;

struct Context {
  Device device = Device::CUDA;
  int ordinal = 0;       // the GPU this process uses, current on every thread that entered the backend
  int device_count = 0;  // GPUs the runtime showed at start (for messages)
  cudaStream_t stream = nullptr;
  vendor::cublasHandle_t cublas = nullptr;
  vendor::cublasLtHandle_t cublaslt = nullptr;  // the fused Linear (linear_epilogue.cu); stream given per call
  vendor::cudnnHandle_t cudnn = nullptr;
  DeviceAllocator allocator;
  cudaDeviceProp props{};
  bool tf32 = false;  // opt-in TF32 tensor-core math for float32 GEMM and convolution
  // Errors kernels found in their data, raised at the next synchronizing call (cuda/device_errors.h).
  DeviceErrors errors;
  // The counter of kernels whose last thread finishes the job (cuda/finish_counter.h).
  FinishCounter finish;

  // Ops from several Java threads are serialized: the handles and the stream are shared.
  std::recursive_mutex mutex;
#if defined(JDNN_CUDA_EMU)
  // Tests only ("bind_threads" option, cuda-emu): 0 stops binding threads not bound yet, which plants
  // the defect the binding prevents, so a test can see the emulation catch it. Read without the lock.
  std::atomic<bool> bind_threads{true};
#endif

  // Device scratch for cuDNN / cuBLAS, grown on demand and kept. Valid until the
  // next call; stream order makes reuse by the next op safe.
  void* workspace(size_t bytes);

  // Pinned host memory for copies, grown on demand. Upload: the caller's data is
  // copied into one of a few pinned buffers and the transfer queued; a buffer is
  // reused only after its previous transfer's event completed. Several buffers
  // let a loader thread queue the next upload without waiting for the compute
  // work queued before the previous one (which would drain the stream while the
  // op lock is held); only when all are busy is the oldest waited for.
  // A copy larger than copy_chunk_bytes goes through them in chunks of at most that size, so the
  // pinned memory stays within its cap (four upload buffers of a chunk each) whatever the tensor.
  void* upload_staging(size_t bytes);
  // After queueing the copy from the buffer upload_staging gave, on `on` (the compute or copy stream).
  void mark_upload_queued(cudaStream_t on);
  void* download_staging(size_t bytes);
  size_t copy_chunk_bytes = kUploadPinnedCap / kUploadBuffers;  // tests lower it ("copy_chunk_bytes", cuda-emu)
  size_t pinned_bytes() const;  // host memory the staging buffers hold ("pinned_bytes" statistic)
  // Waits for queued transfers (both streams), then returns every staging buffer, the copy
  // stream's idle events and, when no upload is left to await, the copy stream itself.
  void free_staging();

  // The copy stream (prefetched uploads, Tensor.prefetchTo): a batch is copied there from pinned
  // staging while the compute stream runs earlier steps. Two events order the streams, neither
  // makes the host wait: before the copy, the copy stream waits for an event recorded on the
  // compute stream at the upload (it follows every use of the destination block before the block
  // was freed, since the block was freed, then handed out, before this call); after the copy an
  // event is recorded, and the compute stream waits for it when an op first uses the tensor
  // (tensor_ref sees Storage::upload_pending) or when the block is freed unused.
  cudaStream_t copy_stream = nullptr;
  void upload_async(Tensor& dst, const void* src, size_t bytes);
  // Makes the compute stream wait for the upload into `block` (no host wait); nothing when none is pending.
  void await_upload(void* block);
  // Uploads not yet awaited; read without the lock by frees, which skip the lock while it is 0
  // (an upload into a block happens before the block's free: the tensor is handed over first).
  std::atomic<int64_t> uploads_pending{0};
  cudaEvent_t last_upload_event() const { return last_upload_; }  // the latest prefetched copy's, or null
  size_t copy_events() const;  // events the copy path holds ("copy_events" statistic)

  // Profiling ("profile" option): device time of every op, from events around it.
  bool profiling = false;
  std::vector<std::pair<cudaEvent_t, cudaEvent_t>> pending_events;
  std::vector<cudaEvent_t> free_events;
  double profiled_ms = 0;
  int64_t profiled_ops = 0;
  cudaEvent_t take_event();
  void collect_profile();  // synchronizes and folds pending events into profiled_ms

 private:
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  struct Staging {
    void* data = nullptr;
    size_t bytes = 0;
    cudaEvent_t done = nullptr;  // recorded after the buffer's last transfer
    bool pending = false;
    uint64_t queued = 0;  // order of that transfer, to wait for the oldest
  };
  std::vector<Staging> uploads_;
  size_t upload_slot_ = 0;  // the buffer upload_staging handed out last
  uint64_t uploads_queued_ = 0;
  void* download_ = nullptr;
  size_t download_bytes_ = 0;
  cudaEvent_t compute_mark_ = nullptr;          // recorded on the compute stream before each prefetched copy
  std::unordered_map<void*, cudaEvent_t> pending_uploads_;  // destination block -> event after its copy
  std::vector<cudaEvent_t> idle_upload_events_;
  cudaEvent_t last_upload_ = nullptr;           // the latest copy's event, for Device.synchronize
  cudaEvent_t upload_event();                   // an idle event (created when none is idle)
};

// Device scratch from the caching allocator, returned when the scope ends (stream order makes
// the reuse by later work safe).
class DeviceScratch {
 public:
  DeviceScratch(Allocator& a, size_t bytes) : a_(a), bytes_(bytes), p_(bytes > 0 ? a.allocate(bytes) : nullptr) {}
  ~DeviceScratch() {
    if (p_ != nullptr) a_.deallocate(p_, bytes_);
  }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;
  void* get() const { return p_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(p_);
  }

 private:
  Allocator& a_;
  size_t bytes_;
  void* p_;
};

// The backend's context; throws if the backend is not initialized. Binds the calling thread to the
// backend's GPU on its first call (a thread_local check after that).
Context& context();
// What context() does for the thread, for the paths that must not throw (frees): a failed
// cudaSetDevice leaves the runtime's error for the next checked call.
void bind_thread_quietly() noexcept;

// Whether a CUDA graph is being captured on the compute stream (graphs.cu).
bool graph_capturing();
// Throws: a host synchronization (`what`) was attempted while a graph was being captured. The
// capture is abandoned, so the stream works eagerly again.
[[noreturn]] void sync_during_capture(const char* what);
// While a graph is being captured: reserves `bytes` (8-byte aligned) of the graph's per-replay
// constant slot, on the device, for an op whose host-computed constants change every step (Adam's
// step size and bias corrections, AdaGrad's decayed rate, Dropout's Philox offset), and registers
// `fill(value, host)`, which writes into `host` (`bytes` long) the constants for one value of the
// constants' source. A source is a host value each replay advances by a stride: kind
// kOptimizerSteps (key 0: the optimizers' steps since the capture; value 0 at the captured step,
// stride 1), or kPhilox (key: a generator's seed; value: its offset at the capture; stride: its draws
// per step, given by graph_source_stride before the capture ends). The first reservation of a source
// sets its value and stride. graph_launch keeps the slot filled with each replay's constants (a table
// of the next replays' rows, written every few hundred replays; a tick node at the graph's end moves
// the next row into the slot), so the captured kernels read that replay's values and a graph step is
// one launch. Returns the slot's device address.
enum class SourceKind : int { kOptimizerSteps = 0, kPhilox = 1 };
// The value at the capture of the source (kind, key): `value` when the capture has no reservation
// from it yet.
int64_t graph_source_value(SourceKind kind, int64_t key, int64_t value);
void* graph_constants(size_t bytes, SourceKind kind, int64_t key, int64_t value, int64_t stride,
                      std::function<void(int64_t value, void* host)> fill);

// Every wait of the host for the device goes through these two, so that Device.stats()
// counts it ("syncs"), and so that a wait while a graph is being captured fails with a clear
// error instead of reaching the runtime. Return the runtime's status, for JDNN_CUDA_CHECK or to ignore.
inline cudaError_t wait_for_stream(cudaStream_t stream) {
  if (graph_capturing()) sync_during_capture("a stream synchronization");
  count(counters().syncs);
  return cudaStreamSynchronize(stream);
}
inline cudaError_t wait_for_event(cudaEvent_t event) {
  if (graph_capturing()) sync_during_capture("an event synchronization");
  count(counters().syncs);
  return cudaEventSynchronize(event);
}

// Entered at the top of every backend op: serializes host threads and, when
// profiling, brackets the op with device events.
class OpScope {
 public:
  explicit OpScope(const char* name);
  ~OpScope();
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;
  Context& ctx;

 private:
  std::lock_guard<std::recursive_mutex> lock_;
  cudaEvent_t start_ = nullptr;
};

// Opens every backend op: JDNN_CUDA_OP("conv2d"); then use jdnn_op.ctx. The name
// marks the op where it is written; profiles keep totals only, and errors name
// their op themselves.
#define JDNN_CUDA_OP(name) ::jdnn::cuda::OpScope jdnn_op(name)

}  // namespace jdnn::cuda
