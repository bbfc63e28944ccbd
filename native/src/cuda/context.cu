// Backend start-up (jdnn_backend_init), the context, the caching device
// allocator, staging buffers, the op profiler and the device-level services.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <sstream>

#include "cuda/context.h"
#include "cuda/cuda_backend.h"
#include "jdnn/jdnn.h"

#if !defined(JDNN_CUDA_EMU)
#include <dlfcn.h>
#endif

namespace jdnn::cuda {

namespace {
Context* g_context = nullptr;
CudaBackend* g_backend = nullptr;
// The ordinal this thread made current with cudaSetDevice on entering the backend; -1 before.
thread_local int t_bound_ordinal = -1;

#if defined(JDNN_CUDA_EMU)
constexpr Device kThisDevice = Device::CUDA_EMU;
#else
constexpr Device kThisDevice = Device::CUDA;
#endif

std::string gib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  return buf;
}

#if !defined(JDNN_CUDA_EMU)
// Stands for every kernel of this library: all are compiled for the same architectures.
__global__ void image_probe_kernel() {}
#endif

// "CUDA_VISIBLE_DEVICES=0,1" or "CUDA_VISIBLE_DEVICES unset", for messages about which GPUs exist.
std::string visible_devices() {
  const char* v = std::getenv("CUDA_VISIBLE_DEVICES");
  return v != nullptr ? std::string("CUDA_VISIBLE_DEVICES=") + v : std::string("CUDA_VISIBLE_DEVICES unset");
}

// What the runtime says before any GPU work, turned into advice. Makes GPU `ordinal` current on the
// calling thread and fills its properties and the GPU count. Returns "" when usable.
std::string probe_gpu(int ordinal, cudaDeviceProp& props, int& count) {
#if !defined(JDNN_CUDA_EMU)
  // The runtime is linked statically and finds the driver through libcuda.so.1;
  // checking for it first gives the clearest message on machines without one.
  void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (driver == nullptr) {
    return "no NVIDIA driver: libcuda.so.1 was not found. Install the NVIDIA driver (version 580 or "
           "newer, for CUDA 13) or use Device.cpu()";
  }
#endif
  count = 0;
  const cudaError_t st = cudaGetDeviceCount(&count);
  if (st == cudaErrorInsufficientDriver) {
    int driver_version = 0;
    cudaDriverGetVersion(&driver_version);  // unchecked: the message is all that uses it
    std::ostringstream m;
    m << "the NVIDIA driver is too old: it supports CUDA " << driver_version / 1000 << "."
      << (driver_version % 1000) / 10 << ", jdnn's CUDA backend needs 13.0. Update the driver "
      << "(version 580 or newer)";
    return m.str();
  }
  if (st == cudaErrorNoDevice || (st == cudaSuccess && count == 0))
    return "the NVIDIA driver is present but reports no GPU (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
  if (st != cudaSuccess)
    return std::string("the CUDA runtime cannot start: ") + cudaGetErrorString(st) + " (" +
           cudaGetErrorName(st) + ")";
  if (ordinal < 0 || ordinal >= count) {
    std::ostringstream m;
    m << "there is no GPU " << ordinal << ": the CUDA runtime sees " << count << " GPU" << (count == 1 ? "" : "s")
      << " (ordinals 0 to " << count - 1 << ", " << visible_devices() << ")"
#if defined(JDNN_CUDA_EMU)
      << ", the emulation's count being JDNN_EMU_MODES devices=N"
#endif
      << "; ask for an ordinal below " << count << ", make more GPUs visible, or run at most " << count
      << " process" << (count == 1 ? "" : "es") << " per node (scripts/jdnn-run --nproc-per-node " << count << ")";
    return m.str();
  }
  if (cudaSetDevice(ordinal) != cudaSuccess || cudaGetDeviceProperties(&props, ordinal) != cudaSuccess)
    return "cannot open GPU " + std::to_string(ordinal) + " (" + visible_devices() +
           "): " + std::string(cudaGetErrorString(cudaGetLastError()));
  if (props.major * 10 + props.minor < 75) {
    std::ostringstream m;
    m << "GPU " << ordinal << " (" << props.name << ") has compute capability " << props.major << "." << props.minor
      << "; jdnn's CUDA backend needs 7.5 (Turing) or newer";
    return m.str();
  }
#if !defined(JDNN_CUDA_EMU)
  // A GPU newer than every architecture built, with no PTX to compile for it, would fail at the
  // first kernel of the first op; say so now, while the caller can still choose another device.
  cudaFuncAttributes attr{};
  const cudaError_t image = cudaFuncGetAttributes(&attr, image_probe_kernel);
  if (image != cudaSuccess) {
    cudaGetLastError();
    std::ostringstream m;
    m << "this libjdnn_cuda has no kernels for GPU " << ordinal << " (" << props.name << ", sm_" << props.major << props.minor
      << "): " << cudaGetErrorString(image) << ". Rebuild it with that architecture in JDNN_CUDA_ARCHITECTURES";
    return m.str();
  }
#endif
  return "";
}

}  // namespace

[[noreturn]] void runtime_failure(cudaError_t status, const char* call, const char* file, int line) {
  const char* base = std::strrchr(file, '/');
#if defined(JDNN_CUDA_EMU)
  // What the emulation found (the argument, allocation or queued work at fault).
  const std::string detail = emu::error_detail(status);
  const std::string found = detail.empty() ? "" : "; the emulation found: " + detail;
#else
  const std::string found;
#endif
  fail_as(status == cudaErrorMemoryAllocation ? ErrorKind::OUT_OF_MEMORY : ErrorKind::DEVICE, "CUDA error ",
          cudaGetErrorName(status), " (", cudaGetErrorString(status), ") in ", call, " at ",
       base != nullptr ? base + 1 : file, ":", line, found);
}

namespace {

// Makes the backend's GPU current on the calling thread, once per thread: every runtime call of the
// thread after it then goes to that GPU (a thread that skipped it would use GPU 0). Returns the status.
cudaError_t bind_thread(Context& c) {
#if defined(JDNN_CUDA_EMU)
  if (!c.bind_threads.load(std::memory_order_relaxed)) return cudaSuccess;  // the planted defect (tests)
#endif
  const cudaError_t st = cudaSetDevice(c.ordinal);
  if (st == cudaSuccess) t_bound_ordinal = c.ordinal;
  return st;
}

}  // namespace

Context& context() {
  Context* c = g_context;
  JDNN_CHECK_AS(ErrorKind::DEVICE, c != nullptr, "the CUDA backend is not initialized");
  if (t_bound_ordinal != c->ordinal) {
    const cudaError_t st = bind_thread(*c);
    if (st != cudaSuccess) {
      cudaGetLastError();  // reported here, not again by the thread's next launch check
      fail_as(ErrorKind::DEVICE, "this thread cannot make GPU ", c->ordinal, " (the one this process uses) current: ",
              "cudaSetDevice(", c->ordinal, ") gave ", cudaGetErrorName(st), " (", cudaGetErrorString(st),
              "); the GPU may have been lost (check nvidia-smi)");
    }
  }
  return *c;
}

void bind_thread_quietly() noexcept {
  Context* c = g_context;
  if (c != nullptr && t_bound_ordinal != c->ordinal) bind_thread(*c);  // unchecked: see context.h
}

// ---- allocator ----------------------------------------------------------------

// cudaMalloc allocates on the calling thread's current device: bound first, since an allocation may
// come from core code before any op of the thread entered the backend.
void* DeviceAllocator::system_allocate(size_t bytes) {
  context();
  void* p = nullptr;
  if (cudaMalloc(&p, bytes) == cudaSuccess) return p;
  cudaGetLastError();  // out of memory is not sticky: clear it so the next launch check passes
  return nullptr;
}

// Unchecked: frees run when the JVM releases a tensor, where nothing may throw; a
// failing cudaFree means the context is already broken and the next checked call says so.
void DeviceAllocator::system_free(void* p) {
  bind_thread_quietly();  // cudaFree synchronizes the current device: the backend's, not GPU 0
  cudaFree(p);
}

// A block whose upload may still run on the copy stream becomes the compute stream's again
// (after the copy) before the cache can hand it to compute work. Frees may not throw: a failed
// wait means a broken context, which the next checked call reports.
void DeviceAllocator::taken_back(void* p) {
  bind_thread_quietly();  // a tensor may be closed by a thread that never ran an op
  if (g_context != nullptr && g_context->uploads_pending.load(std::memory_order_acquire) > 0) {
    std::lock_guard<std::recursive_mutex> lock(g_context->mutex);
    try {
      g_context->await_upload(p);
    } catch (const std::exception&) {
      // frees may not throw; the runtime's error stays for the next checked call
    }
  }
#if defined(JDNN_CUDA_EMU)
  // Poisoning is queued on the compute stream, after the work that used the block.
  emu::note_logical_free(p, g_context != nullptr ? g_context->stream : nullptr);
#endif
}

void DeviceAllocator::before_release() {
  // Runs under the allocator's lock: this may run outside any op (Device.releaseCached),
  // and a block freed by another thread after an earlier wait could still be in use.
  // Unchecked for the reason system_free is.
  bind_thread_quietly();
  if (g_context != nullptr) wait_for_stream(g_context->stream);
}

#if defined(JDNN_CUDA_EMU)
void DeviceAllocator::handed_out(void* p, size_t bytes) {
  emu::note_logical_allocate(p, bytes, g_context != nullptr ? g_context->stream : nullptr);
}
#endif

void DeviceAllocator::out_of_memory(size_t bytes, int64_t bytes_in_use) {
  fail_as(ErrorKind::OUT_OF_MEMORY, "out of GPU memory allocating ", bytes, " bytes (", bytes_in_use, " bytes held by tensors); free "
       "tensors, use smaller batches, or call Device.releaseCached()");
}

// ---- scratch and staging ----------------------------------------------------------

void* Context::workspace(size_t bytes) {
  if (bytes == 0) return workspace_;
  if (bytes > workspace_bytes_) {
    // Forgotten before allocating, so a failed allocation leaves no freed block behind.
    allocator.deallocate(workspace_, workspace_bytes_);
    workspace_ = nullptr;
    workspace_bytes_ = 0;
    workspace_ = allocator.allocate(bytes);
    workspace_bytes_ = bytes;
  }
  return workspace_;
}

void* Context::upload_staging(size_t bytes) {
  // A captured copy would read the staging buffer at every replay, long after it was reused.
  JDNN_CHECK_AS(ErrorKind::DEVICE, !graph_capturing(), "a copy of ", bytes,
                " bytes from host memory was issued while capturing a CUDA graph: the graph would replay it from a "
                "staging buffer that later copies reuse; put the data on the device before the capture (static "
                "device buffers, filled between replays)");
  // Idle once its last transfer is done. NotReady is a state, not a failure, and is
  // cleared so the next launch's error check does not report it.
  const auto idle = [](Staging& s) {
    if (!s.pending) return true;
    const cudaError_t st = cudaEventQuery(s.done);
    if (st == cudaErrorNotReady) {
      cudaGetLastError();
      return false;
    }
    JDNN_CUDA_CHECK(st);
    s.pending = false;
    return true;
  };
  size_t pick = uploads_.size(), pinned = 0;
  for (size_t i = 0; i < uploads_.size(); ++i) {
    pinned += uploads_[i].bytes;
    if (!idle(uploads_[i])) continue;
    if (uploads_[i].bytes >= bytes) {  // an idle buffer that fits: no allocation
      pick = i;
      break;
    }
    if (pick == uploads_.size()) pick = i;
  }
  if (pick == uploads_.size()) {
    if (uploads_.empty() || (uploads_.size() < kUploadBuffers && pinned + bytes <= kUploadPinnedCap)) {
      uploads_.emplace_back();
    } else {  // all busy: the oldest transfer is likely the first done (two streams may reorder them)
      pick = 0;
      for (size_t i = 1; i < uploads_.size(); ++i)
        if (uploads_[i].queued < uploads_[pick].queued) pick = i;
      JDNN_CUDA_CHECK(wait_for_event(uploads_[pick].done));
      uploads_[pick].pending = false;
    }
  }
  Staging& s = uploads_[pick];
  if (bytes > s.bytes) {
    if (s.data != nullptr) JDNN_CUDA_CHECK(cudaFreeHost(s.data));
    s.data = nullptr;
    s.bytes = 0;
    JDNN_CUDA_CHECK(cudaMallocHost(&s.data, bytes));
    s.bytes = bytes;
  }
  upload_slot_ = pick;
  return s.data;
}

void Context::mark_upload_queued(cudaStream_t on) {
  Staging& s = uploads_.at(upload_slot_);
  if (s.done == nullptr) JDNN_CUDA_CHECK(cudaEventCreate(&s.done));
  JDNN_CUDA_CHECK(cudaEventRecord(s.done, on));
  s.pending = true;
  s.queued = ++uploads_queued_;
}

void* Context::download_staging(size_t bytes) {
  if (bytes > download_bytes_) {
    if (download_ != nullptr) JDNN_CUDA_CHECK(cudaFreeHost(download_));
    download_ = nullptr;
    download_bytes_ = 0;
    JDNN_CUDA_CHECK(cudaMallocHost(&download_, bytes));
    download_bytes_ = bytes;
  }
  return download_;
}

size_t Context::pinned_bytes() const {
  size_t total = download_bytes_;
  for (const Staging& s : uploads_) total += s.bytes;
  return total;
}

cudaEvent_t Context::upload_event() {
  if (!idle_upload_events_.empty()) {
    cudaEvent_t e = idle_upload_events_.back();
    idle_upload_events_.pop_back();
    return e;
  }
  cudaEvent_t e = nullptr;
  JDNN_CUDA_CHECK(cudaEventCreate(&e));
  return e;
}

void Context::upload_async(Tensor& dst, const void* src, size_t bytes) {
  JDNN_CHECK_AS(ErrorKind::DEVICE, !graph_capturing(), "a prefetched copy of ", bytes,
                " bytes was issued while capturing a CUDA graph: captures record the compute stream only; "
                "upload the batch before the capture and copy it into the graph's static input");
  void* block = dst.storage->data;
  // A second upload into the same block before any op used the first: compute adopts the first one now.
  await_upload(block);
  if (copy_stream == nullptr) JDNN_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream, cudaStreamNonBlocking));
  if (compute_mark_ == nullptr) JDNN_CUDA_CHECK(cudaEventCreate(&compute_mark_));
  // The copy waits for every compute-stream use of the block queued before it was handed out:
  // cudaStreamWaitEvent uses the event's most recent record at the time of the call, so one event
  // serves every upload.
  JDNN_CUDA_CHECK(cudaEventRecord(compute_mark_, stream));
  JDNN_CUDA_CHECK(cudaStreamWaitEvent(copy_stream, compute_mark_, 0));
  cudaEvent_t copied = upload_event();
  // Pending from here on, even when a chunk fails below: chunks queued before the failure may
  // still write the block, so its free must still wait for them.
  const auto queued = [&] {
    pending_uploads_[block] = copied;
    uploads_pending.fetch_add(1, std::memory_order_release);
    last_upload_ = copied;
    dst.storage->upload_pending.store(true, std::memory_order_release);
  };
  const char* from = static_cast<const char*>(src);
  char* to = static_cast<char*>(block);
  try {
    for (size_t done = 0; done < bytes;) {
      const size_t n = std::min(copy_chunk_bytes, bytes - done);
      void* staging = upload_staging(n);
      std::memcpy(staging, from + done, n);
      JDNN_CUDA_CHECK(cudaMemcpyAsync(to + done, staging, n, cudaMemcpyHostToDevice, copy_stream));
      mark_upload_queued(copy_stream);
      count(counters().h2d_bytes, static_cast<int64_t>(n));
      done += n;
    }
    JDNN_CUDA_CHECK(cudaEventRecord(copied, copy_stream));
  } catch (...) {
    cudaEventRecord(copied, copy_stream);  // unchecked: the first failure is the one reported
    queued();
    throw;
  }
  queued();
}

void Context::await_upload(void* block) {
  auto it = pending_uploads_.find(block);
  if (it == pending_uploads_.end()) return;
  cudaEvent_t copied = it->second;
  pending_uploads_.erase(it);
  uploads_pending.fetch_sub(1, std::memory_order_release);
  // Re-recording the event later is safe: the wait took the record made now.
  const cudaError_t st = cudaStreamWaitEvent(stream, copied, 0);
  idle_upload_events_.push_back(copied);
  JDNN_CUDA_CHECK(st);
}

size_t Context::copy_events() const {
  return idle_upload_events_.size() + pending_uploads_.size() + (compute_mark_ != nullptr ? 1 : 0);
}

void Context::free_staging() {
  JDNN_CUDA_CHECK(wait_for_stream(stream));
  if (copy_stream != nullptr) JDNN_CUDA_CHECK(wait_for_stream(copy_stream));
  // The copy stream and its events go too, unless a tensor's upload is still to be awaited (its
  // event stays until then); the next prefetched upload creates them again.
  while (!idle_upload_events_.empty()) {
    cudaEvent_t e = idle_upload_events_.back();
    idle_upload_events_.pop_back();
    if (e == last_upload_) last_upload_ = nullptr;
    JDNN_CUDA_CHECK(cudaEventDestroy(e));
  }
  if (pending_uploads_.empty()) {
    last_upload_ = nullptr;
    cudaEvent_t mark = compute_mark_;
    compute_mark_ = nullptr;
    if (mark != nullptr) JDNN_CUDA_CHECK(cudaEventDestroy(mark));
    cudaStream_t copies = copy_stream;
    copy_stream = nullptr;
    if (copies != nullptr) JDNN_CUDA_CHECK(cudaStreamDestroy(copies));
  }
  // Forgotten before each free, so a failure leaves nothing freed behind to be used again.
  while (!uploads_.empty()) {
    const Staging s = uploads_.back();
    uploads_.pop_back();
    if (s.data != nullptr) JDNN_CUDA_CHECK(cudaFreeHost(s.data));
    if (s.done != nullptr) JDNN_CUDA_CHECK(cudaEventDestroy(s.done));
  }
  upload_slot_ = 0;
  void* download = download_;
  download_ = nullptr;
  download_bytes_ = 0;
  if (download != nullptr) JDNN_CUDA_CHECK(cudaFreeHost(download));
}

// ---- profiling ------------------------------------------------------------------

cudaEvent_t Context::take_event() {
  if (!free_events.empty()) {
    cudaEvent_t e = free_events.back();
    free_events.pop_back();
    return e;
  }
  cudaEvent_t e = nullptr;
  JDNN_CUDA_CHECK(cudaEventCreate(&e));
  return e;
}

void Context::collect_profile() {
  JDNN_CUDA_CHECK(wait_for_stream(stream));
  for (auto& [start, end] : pending_events) {
    float ms = 0;
    JDNN_CUDA_CHECK(cudaEventElapsedTime(&ms, start, end));
    profiled_ms += ms;
    free_events.push_back(start);
    free_events.push_back(end);
  }
  pending_events.clear();
}

OpScope::OpScope(const char* name) : ctx(context()), lock_(ctx.mutex) {
#if defined(JDNN_CUDA_EMU)
  emu::set_current_op(name);
#else
  (void)name;
#endif
  if (ctx.profiling) {
    start_ = ctx.take_event();
    JDNN_CUDA_CHECK(cudaEventRecord(start_, ctx.stream));
  }
}

OpScope::~OpScope() {
  if (start_ == nullptr) return;
  // A destructor must not throw (an escaping exception would end the JVM): a failed
  // event creation or record only loses this op's timing.
  cudaEvent_t end = nullptr;
  try {
    end = ctx.take_event();
  } catch (const std::exception&) {
    ctx.free_events.push_back(start_);
    return;
  }
  if (cudaEventRecord(end, ctx.stream) == cudaSuccess) {
    ctx.pending_events.emplace_back(start_, end);
    ++ctx.profiled_ops;
    // Fold in now and then so a long profiled run does not hold thousands of events.
    if (ctx.pending_events.size() >= 4096) {
      try {
        ctx.collect_profile();
      } catch (const std::exception&) {
      }
    }
  } else {
    cudaGetLastError();
    ctx.free_events.push_back(start_);
    ctx.free_events.push_back(end);
  }
}

// ---- device-level services --------------------------------------------------------

std::string CudaBackend::describe() const {
  Context& c = context();
  // Unchecked: a version that cannot be read shows as 0.0 in a description.
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  std::ostringstream m;
  m << "GPU " << c.ordinal << " of " << c.device_count << ": " << c.props.name << " (sm_" << c.props.major << c.props.minor << ", " << gib(c.props.totalGlobalMem)
    << "), CUDA runtime " << runtime / 1000 << "." << (runtime % 1000) / 10 << ", driver " << driver / 1000
    << "." << (driver % 1000) / 10 << "; " << vendor::vendor_versions() << (c.tf32 ? "; TF32 on" : "");
  return m.str();
}

void CudaBackend::synchronize() {
  Context& c = context();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  c.errors.before_wait(c.stream);
  // Copies still queued on the copy stream finish before the one host wait.
  if (c.last_upload_event() != nullptr) JDNN_CUDA_CHECK(cudaStreamWaitEvent(c.stream, c.last_upload_event(), 0));
  JDNN_CUDA_CHECK(wait_for_stream(c.stream));
  c.errors.after_wait(c.stream, "Device.synchronize()");
}

// Waits only when an op that checks its data ran since the record was last read empty.
void CudaBackend::check_errors() {
  Context& c = context();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  c.errors.before_wait(c.stream);
  if (!c.errors.read_queued()) return;
  JDNN_CUDA_CHECK(wait_for_stream(c.stream));
  c.errors.after_wait(c.stream, "Device.checkErrors()");
}

void CudaBackend::set_option(const std::string& key, double value) {
  Context& c = context();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  if (key == "tf32") {
    c.tf32 = value != 0;
    JDNN_CUBLAS(cublasSetMathMode, c.cublas, c.tf32 ? vendor::CUBLAS_TF32_TENSOR_OP_MATH : vendor::CUBLAS_DEFAULT_MATH);
  } else if (key == "profile") {
    if (value != 0) {
      c.collect_profile();
      c.profiled_ms = 0;
      c.profiled_ops = 0;
    }
    c.profiling = value != 0;
#if defined(JDNN_CUDA_EMU)
  } else if (key == "copy_chunk_bytes") {
    // Tests only: small chunks let a small tensor exercise the chunked copy paths.
    const double most = static_cast<double>(kUploadPinnedCap / kUploadBuffers);
    JDNN_CHECK(value >= 1 && value <= most && value == static_cast<double>(static_cast<size_t>(value)),
               "device ", device_name(device()), ": option copy_chunk_bytes must be a whole number in [1, ", most,
               "], got ", value);
    c.copy_chunk_bytes = static_cast<size_t>(value);
    c.free_staging();  // so the next copies show the staging memory that chunk size needs
  } else if (key == "bind_threads") {
    // Tests only: 0 plants a thread that enters the backend without making its GPU current.
    c.bind_threads.store(value != 0, std::memory_order_relaxed);
#endif
  } else {
    fail("device ", device_name(device()), " has no option '", key, "' (known: tf32, profile",
#if defined(JDNN_CUDA_EMU)
         ", copy_chunk_bytes, bind_threads",
#endif
         ")");
  }
}

double CudaBackend::stat(const std::string& key) {
  Context& c = context();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  if (key == "kernel_ms") {
    c.collect_profile();
    return c.profiled_ms;
  }
  if (key == "ops") return static_cast<double>(c.profiled_ops);
  if (key == "ordinal") return static_cast<double>(c.ordinal);
  if (key == "device_mallocs") return static_cast<double>(c.allocator.device_mallocs());
  if (key == "pinned_bytes") return static_cast<double>(c.pinned_bytes());
  if (key == "copy_streams") return c.copy_stream != nullptr ? 1.0 : 0.0;
  if (key == "copy_events") return static_cast<double>(c.copy_events());
  // Counts since the backend started (cuda/counters.h); exact as doubles up to 2^53.
  const Counters& n = counters();
  if (key == "launches") return static_cast<double>(n.launches.load());
  if (key == "vendor_calls") return static_cast<double>(n.vendor_calls.load());
  if (key == "syncs") return static_cast<double>(n.syncs.load());
  if (key == "h2d_bytes") return static_cast<double>(n.h2d_bytes.load());
  if (key == "d2h_bytes") return static_cast<double>(n.d2h_bytes.load());
  fail("device ", device_name(device()), " has no statistic '", key,
       "' (known: kernel_ms, ops, ordinal, device_mallocs, pinned_bytes, copy_streams, copy_events, launches, vendor_calls, syncs, h2d_bytes, d2h_bytes)");
}

}  // namespace jdnn::cuda

// ---- entry point ---------------------------------------------------------------------

namespace {

// Writes text into the loader's buffer and returns kind, as jdnn_backend_init reports a failure.
int report(jdnn::ErrorKind kind, char* message, size_t capacity, const std::string& text) {
  if (message != nullptr && capacity > 0) {
    std::strncpy(message, text.c_str(), capacity - 1);
    message[capacity - 1] = '\0';
  }
  return static_cast<int>(kind);
}

}  // namespace

// Called by libjdnn's device loader after dlopen. Probes GPU `ordinal` and makes it current,
// binds the vendor libraries, creates the stream and handles on that GPU, then registers allocator
// and backend. Nothing is registered unless every step succeeded. Returns 0, or the failure's kind:
// VENDOR when only cuBLAS/cuDNN are missing or too old (the Java side then tries libraries shipped
// in jars), ARGUMENT for a second call with another ordinal (one GPU per process), DEVICE otherwise.
extern "C" __attribute__((visibility("default"))) int jdnn_backend_init(int device, int ordinal, char* message,
                                                                         size_t capacity) {
  using namespace jdnn;
  using namespace jdnn::cuda;
  if (device != static_cast<int>(kThisDevice))
    return report(ErrorKind::ARGUMENT, message, capacity, std::string("this library provides device ") + device_name(kThisDevice) +
                                         ", not device code " + std::to_string(device));
  if (g_backend != nullptr) {
    if (ordinal == g_context->ordinal) return 0;
    return report(ErrorKind::ARGUMENT, message, capacity,
                  std::string(device_name(kThisDevice)) + " uses GPU " + std::to_string(g_context->ordinal) +
                      " in this process, not GPU " + std::to_string(ordinal) + ": the backend binds one GPU per process");
  }
  try {
    auto ctx = std::make_unique<Context>();
    ctx->device = kThisDevice;
    ctx->ordinal = ordinal;
    const std::string gpu = probe_gpu(ordinal, ctx->props, ctx->device_count);
    if (!gpu.empty()) return report(ErrorKind::DEVICE, message, capacity, "CUDA device unavailable: " + gpu);
    t_bound_ordinal = ordinal;  // probe_gpu made it current on this thread
    const std::string libs = vendor::bind_vendor();
    if (!libs.empty()) return report(ErrorKind::VENDOR, message, capacity, "CUDA device unavailable: " + libs);
    JDNN_CUDA_CHECK(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking));
    JDNN_CUBLAS(cublasCreate_v2, &ctx->cublas);
    JDNN_CUBLAS(cublasSetStream_v2, ctx->cublas, ctx->stream);
    JDNN_CUBLAS(cublasLtCreate, &ctx->cublaslt);
    JDNN_CUDNN(cudnnCreate, &ctx->cudnn);
    JDNN_CUDNN(cudnnSetStream, ctx->cudnn, ctx->stream);
    // Leaked on purpose, like the CPU backend's: tensors may be freed during exit.
    g_context = ctx.release();
    g_backend = new CudaBackend(kThisDevice);
    register_allocator(kThisDevice, &g_context->allocator);
    register_backend(kThisDevice, g_backend);
    return 0;
  } catch (const std::exception& e) {
    return report(ErrorKind::DEVICE, message, capacity, std::string("CUDA device unavailable: ") + e.what());
  }
}
