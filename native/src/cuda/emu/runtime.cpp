// The emulated CUDA runtime: one device (or devices=N) whose memory is host memory. Device
// selection and queries, memory, copies and memsets here; streams and events in streams.cpp,
// the memory map in allocations.cpp, launches in launch.cpp. See
// cuda_runtime_emu.h for what is emulated and how.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <sys/sysinfo.h>
#include <vector>

#include "cuda/emu/emu_internal.h"

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

using namespace jdnn::cuda::emu;

namespace {

// Poisoned bytes after every cudaMalloc block: a write past its end changes them.
constexpr size_t kGuardBytes = 256;

size_t host_memory() {
  struct sysinfo info {};
  sysinfo(&info);
  return static_cast<size_t>(info.totalram) * info.mem_unit;
}

size_t total_memory() { return modes().memory_limit != 0 ? modes().memory_limit : host_memory(); }

// The calling thread's current device: per host thread, 0 until the thread calls cudaSetDevice,
// as in the CUDA runtime.
thread_local int current = 0;

// "cudaSetDevice(5): ..." for an ordinal outside [0, devices).
std::string no_such_device(const char* call, int device) {
  std::ostringstream m;
  m << call << "(" << device << "): the emulated machine has " << modes().devices << " device"
    << (modes().devices == 1 ? "" : "s") << " (ordinals 0 to " << modes().devices - 1
    << "; JDNN_EMU_MODES devices=N sets how many)";
  return m.str();
}

const char* kind_name(cudaMemcpyKind kind) {
  switch (kind) {
    case cudaMemcpyHostToHost: return "host to host";
    case cudaMemcpyHostToDevice: return "host to device";
    case cudaMemcpyDeviceToHost: return "device to host";
    case cudaMemcpyDeviceToDevice: return "device to device";
    case cudaMemcpyDefault: return "default";
  }
  return "?";
}

// A device operand of a copy or memset: it must lie in one live allocation of the stream's device
// (cudaErrorIllegalAddress when it is another device's). Returns the error recorded, or cudaSuccess.
cudaError_t device_side(const void* p, size_t bytes, const char* call, const char* role, int device, Span* span) {
  if (find_live(p, bytes, span)) {
    if (span->device == device) return cudaSuccess;
    return record_error(cudaErrorIllegalAddress,
                        std::string(call) + ": the " + role + " is " + foreign_memory(*span, device));
  }
  std::ostringstream m;
  m << call << ": the " << role << " " << p << " (" << bytes << " bytes) lies in no live device allocation: "
    << "a host pointer, a freed tensor's memory or a range past an allocation's end";
  return record_error(cudaErrorInvalidValue, m.str());
}

// Copies and memsets go to the stream's queue; what the host waits for depends on the call
// and on the host memory (see the CUDA Runtime API's "API synchronization behavior").
enum class Api { SYNC, ASYNC };

cudaError_t copy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream, Api api) {
  const char* call = api == Api::SYNC ? "cudaMemcpy" : "cudaMemcpyAsync";
  if (const cudaError_t e = take_deferred_error(); e != cudaSuccess) return e;
  if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault) return record_error(cudaErrorInvalidMemcpyDirection);
  if (const cudaError_t e = check_legacy_use(stream, call); e != cudaSuccess) return e;
  if (bytes == 0) return cudaSuccess;
  if (kind == cudaMemcpyDefault) {  // unified addressing: the pointers say where they lie
    const bool d = is_device_range(dst, bytes), s = is_device_range(src, bytes);
    kind = d ? (s ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
             : (s ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  }
  const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  // A copy may be issued to a stream of another device than the current one (documented); the
  // memory it touches must be the stream's device's.
  const int device = stream_device(stream);
  Span dst_span, src_span;
  if (dst_device)
    if (const cudaError_t e = device_side(dst, bytes, call, "destination", device, &dst_span); e != cudaSuccess) return e;
  if (src_device)
    if (const cudaError_t e = device_side(src, bytes, call, "source", device, &src_span); e != cudaSuccess) return e;
  if (dst == nullptr || src == nullptr)
    return record_error(cudaErrorInvalidValue, std::string(call) + ": a null host pointer");
  const bool pinned_host = (!dst_device && is_pinned(dst, bytes)) || (!src_device && is_pinned(src, bytes));
  // A graph replays a copy by its addresses: pageable memory, staged at the call, cannot be replayed.
  if (kind != cudaMemcpyDeviceToDevice && !pinned_host && stream_capturing(stream))
    return refuse_in_capture(stream, call, "a copy to or from pageable host memory cannot be captured; use pinned memory");

  // Pageable host memory is read at the call (the driver stages it); device and pinned memory
  // are read when the copy executes.
  std::shared_ptr<std::vector<char>> snapshot;
  if (kind == cudaMemcpyHostToDevice && !pinned_host) {
    // A synchronous copy from pageable memory synchronizes the stream before it starts.
    if (api == Api::SYNC) drain_stream(stream);
    const char* s = static_cast<const char*>(src);
    snapshot = std::make_shared<std::vector<char>>(s, s + bytes);
    src = snapshot->data();
  }
  std::ostringstream what;
  what << call << " (" << kind_name(kind) << ", " << bytes << " bytes)";
  const std::string name = what.str();
  std::vector<Span> uses;
  if (dst_device) uses.push_back(dst_span);
  if (src_device) uses.push_back(src_span);
  // The snapshot is captured to keep it alive until the copy ran.
  enqueue_using(stream, name, std::move(uses), [dst, src, bytes, snapshot, dst_device, dst_span, name] {
    std::memmove(dst, src, bytes);
    if (dst_device) check_guard(dst_span, name);
  });

  // What the host waits for: a copy to host memory (pageable, or any from the synchronous call)
  // returns once done; so does the synchronous one from pinned memory and every host-to-host copy.
  const bool wait = kind == cudaMemcpyHostToHost ||
                    (kind == cudaMemcpyDeviceToHost && (api == Api::SYNC || !pinned_host)) ||
                    (api == Api::SYNC && kind == cudaMemcpyHostToDevice && pinned_host);
  if (!wait) return cudaSuccess;
  drain_stream(stream);
  return take_deferred_error();
}

cudaError_t memset(void* ptr, int value, size_t bytes, cudaStream_t stream, const char* call) {
  if (const cudaError_t e = take_deferred_error(); e != cudaSuccess) return e;
  if (const cudaError_t e = check_legacy_use(stream, call); e != cudaSuccess) return e;
  if (bytes == 0) return cudaSuccess;
  Span span;
  if (const cudaError_t e = device_side(ptr, bytes, call, "destination", stream_device(stream), &span); e != cudaSuccess)
    return e;
  std::string name = std::string(call) + " (" + std::to_string(bytes) + " bytes)";
  enqueue_using(stream, name, {span}, [=] {
    std::memset(ptr, value, bytes);
    check_guard(span, name);
  });
  return cudaSuccess;
}

}  // namespace

int jdnn::cuda::emu::current_device() { return current; }

cudaError_t cudaGetDeviceCount(int* count) {
  if (count == nullptr) return record_error(cudaErrorInvalidValue);
  if (!modes().error.empty()) return record_error(cudaErrorInitializationError, modes().error);
  *count = modes().devices;
  return cudaSuccess;
}
// The calling thread's only: other threads keep theirs (each starts on device 0).
cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= modes().devices)
    return record_error(cudaErrorInvalidDevice, no_such_device("cudaSetDevice", device));
  current = device;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  if (device == nullptr) return record_error(cudaErrorInvalidValue);
  *device = current;
  return cudaSuccess;
}

// Every device alike: the modes set the same architecture and memory for each.
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (prop == nullptr) return record_error(cudaErrorInvalidValue);
  if (device < 0 || device >= modes().devices)
    return record_error(cudaErrorInvalidDevice, no_such_device("cudaGetDeviceProperties", device));
  std::memset(prop, 0, sizeof(*prop));
  std::strncpy(prop->name, "jdnn CUDA emulation (CPU)", sizeof(prop->name) - 1);
  prop->totalGlobalMem = total_memory();
  // By default the newest architecture the real build targets; sm75/sm80/sm90 modes choose.
  prop->major = modes().major;
  prop->minor = modes().minor;
  prop->multiProcessorCount = 1;
  prop->maxThreadsPerBlock = 1024;
  prop->warpSize = 32;
  return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* version) {
  if (version == nullptr) return record_error(cudaErrorInvalidValue);
  *version = 13000;
  return cudaSuccess;
}
cudaError_t cudaRuntimeGetVersion(int* version) { return cudaDriverGetVersion(version); }

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  if (free_bytes == nullptr || total_bytes == nullptr) return record_error(cudaErrorInvalidValue);
  if (modes().memory_limit != 0) {  // of the current device
    *total_bytes = modes().memory_limit;
    *free_bytes = modes().memory_limit - device_bytes_held(current);
    return cudaSuccess;
  }
  struct sysinfo info {};
  sysinfo(&info);
  *total_bytes = static_cast<size_t>(info.totalram) * info.mem_unit;
  *free_bytes = static_cast<size_t>(info.freeram) * info.mem_unit;
  return cudaSuccess;
}

// On the calling thread's current device, which the block records.
cudaError_t cudaMalloc(void** ptr, size_t bytes) {
  if (ptr == nullptr) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = check_capture_allows("cudaMalloc"); e != cudaSuccess) return e;
  const size_t limit = modes().memory_limit;
  const size_t held = device_bytes_held(current);
  if (limit != 0 && bytes > limit - std::min(limit, held)) {
    std::ostringstream m;
    m << "cudaMalloc of " << bytes << " bytes: the emulated device has " << limit << " bytes (memory mode), "
      << held << " of them allocated";
    return record_error(cudaErrorMemoryAllocation, m.str());
  }
  // 256-byte alignment, as cudaMalloc guarantees, then the guard; zero bytes still gets a unique block.
  const size_t capacity = (bytes + 255) / 256 * 256 + kGuardBytes;
  void* p = std::aligned_alloc(256, capacity);
  if (p == nullptr) return record_error(cudaErrorMemoryAllocation);
  add_block(static_cast<char*>(p), bytes, capacity, current);  // poisoned: cudaMalloc does not clear memory
  *ptr = p;
  return cudaSuccess;
}

// Implicitly synchronizes: queued work may still use the block.
cudaError_t cudaFree(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  if (const cudaError_t e = check_capture_allows("cudaFree"); e != cudaSuccess) return e;
  drain_all();
  if (!remove_block(ptr))
    return record_error(cudaErrorInvalidValue, "cudaFree: " + std::to_string(reinterpret_cast<uintptr_t>(ptr)) +
                                                   " is not the start of a cudaMalloc block");
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** ptr, size_t bytes) {
  if (ptr == nullptr) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = check_capture_allows("cudaMallocHost"); e != cudaSuccess) return e;
  *ptr = std::aligned_alloc(256, (bytes + 255) / 256 * 256 + 256);
  if (*ptr == nullptr) return record_error(cudaErrorMemoryAllocation);
  add_pinned(*ptr, bytes);
  return cudaSuccess;
}

// Queued copies may still read or write the buffer: they run first.
cudaError_t cudaFreeHost(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  if (const cudaError_t e = check_capture_allows("cudaFreeHost"); e != cudaSuccess) return e;
  drain_all();
  if (!remove_pinned(ptr)) return record_error(cudaErrorInvalidValue, "cudaFreeHost: not a cudaMallocHost block");
  std::free(ptr);
  return cudaSuccess;
}

// The synchronous calls run on the legacy default stream.
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  return copy(dst, src, bytes, kind, nullptr, Api::SYNC);
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
  return copy(dst, src, bytes, kind, stream, Api::ASYNC);
}
cudaError_t cudaMemset(void* ptr, int value, size_t bytes) { return memset(ptr, value, bytes, nullptr, "cudaMemset"); }
cudaError_t cudaMemsetAsync(void* ptr, int value, size_t bytes, cudaStream_t stream) {
  return memset(ptr, value, bytes, stream, "cudaMemsetAsync");
}

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInitializationError: return "cudaErrorInitializationError";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    case cudaErrorIllegalState: return "cudaErrorIllegalState";
    case cudaErrorStreamCaptureUnsupported: return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated: return "cudaErrorStreamCaptureInvalidated";
    case cudaErrorStreamCaptureUnmatched: return "cudaErrorStreamCaptureUnmatched";
    case cudaErrorStreamCaptureImplicit: return "cudaErrorStreamCaptureImplicit";
    case cudaErrorCapturedEvent: return "cudaErrorCapturedEvent";
    case cudaErrorStreamCaptureWrongThread: return "cudaErrorStreamCaptureWrongThread";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInitializationError:
      // The one start-up failure of the emulation is a bad JDNN_EMU_MODES: say which.
      return modes().error.empty() ? "initialization error" : modes().error.c_str();
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorInsufficientDriver: return "CUDA driver version is insufficient for CUDA runtime version";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated: return "operation failed due to a previous error during capture";
    default: return cudaGetErrorName(error);
  }
}
