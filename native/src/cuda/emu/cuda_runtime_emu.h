// CPU emulation of the CUDA runtime subset the CUDA backend uses, so the
// backend's own sources (src/cuda/*.cu) compile with the host compiler into
// libjdnn_cuda_emu and run in CI. Semantics follow the CUDA Runtime API
// reference; anything not listed here is not used by the backend.
//
// The emulation is strict, so that what would fail or differ on a GPU fails here:
// - Streams are deferred: kernel launches, async copies, memsets and the emulated
//   cuBLAS/cuDNN compute are queued per stream in issue order and run only at a
//   synchronization point (stream, event or device synchronize, a synchronous
//   copy that waits, cudaFree), on whichever host thread synchronizes. A host read
//   of device results without a synchronization sees stale or poisoned data.
//   cudaEventQuery reports cudaErrorNotReady while work before the event is queued
//   (and runs one queued item per query, so polling loops progress deterministically).
//   Copies from cudaMallocHost (pinned) memory read it when they execute; from
//   pageable memory, at the call (as the driver stages it); a copy to pageable
//   memory waits for the stream.
// - "Device" memory is host memory from cudaMalloc, tracked at the exact size the
//   caching allocator hands out (note_logical_allocate/free), poisoned (0xFF: NaN)
//   when fresh, freed and reused, with a guard after each allocation checked after
//   each kernel or copy that touches it and at free. Copies, memsets and every
//   pointer argument of a launch must lie in a live allocation: a host pointer, a
//   freed tensor or a block sitting in the cache fails as cudaErrorIllegalAddress.
// - Failures inside deferred work are reported by the next call that reports
//   asynchronous errors (synchronizations, copies, cudaGetLastError), once: a GPU
//   would keep them sticky for the life of the context.
// - Several devices (JDNN_EMU_MODES devices=N; one by default): the current device is per host
//   thread and starts at 0, as in CUDA; cudaMalloc memory, streams and events belong to the
//   device current when they were made (the legacy stream to the caller's current device). As the
//   CUDA Programming Guide's "Stream and Event Behavior" documents, a kernel launched on a stream
//   of another device than the current one fails with cudaErrorInvalidResourceHandle, and so does
//   cudaEventRecord of an event and a stream of different devices, and cudaEventElapsedTime of
//   events of two devices; copies, memsets, synchronizations and stream waits may name another
//   device's stream. A kernel, copy or memset that touches memory of another device than its
//   stream's fails with cudaErrorIllegalAddress: jdnn enables no peer access, and although a GPU
//   would copy across devices through unified addressing, a backend bound to one GPU never means
//   to, so the emulation refuses the copy too (as it refuses a block in the allocator's cache).
// - JDNN_EMU_MODES (read once) adds test modes: shuffle-blocks, jitter, sm75/sm80/
//   sm90, memory=<size>, devices=N; see modes.cpp.
// Kernel launches run every (block, thread) pair in turn on the executing thread.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict

// Values as documented in the CUDA Runtime API (enum cudaError).
enum cudaError_t : int {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorIllegalState = 401,
  cudaErrorNotReady = 600,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchFailure = 719,
  cudaErrorStreamCaptureUnsupported = 900,
  cudaErrorStreamCaptureInvalidated = 901,
  cudaErrorStreamCaptureUnmatched = 903,
  cudaErrorStreamCaptureImplicit = 906,
  cudaErrorCapturedEvent = 907,
  cudaErrorStreamCaptureWrongThread = 908,
};
typedef cudaError_t cudaError;

enum cudaMemcpyKind : int {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

struct CUstream_st;
typedef CUstream_st* cudaStream_t;
struct CUevent_st;
typedef CUevent_st* cudaEvent_t;
struct CUgraph_st;
typedef CUgraph_st* cudaGraph_t;
struct CUgraphExec_st;
typedef CUgraphExec_st* cudaGraphExec_t;

// Stream capture (CUDA Runtime API, "Stream Management" and "Graph Management").
enum cudaStreamCaptureMode : int {
  cudaStreamCaptureModeGlobal = 0,
  cudaStreamCaptureModeThreadLocal = 1,
  cudaStreamCaptureModeRelaxed = 2,
};
enum cudaStreamCaptureStatus : int {
  cudaStreamCaptureStatusNone = 0,
  cudaStreamCaptureStatusActive = 1,
  cudaStreamCaptureStatusInvalidated = 2,
};

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};
typedef dim3 uint3;

// The fields of cudaDeviceProp the backend reads (same names as the real struct).
struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int major;
  int minor;
  int multiProcessorCount;
  int maxThreadsPerBlock;
  int warpSize;
};

#define cudaStreamNonBlocking 0x01
#define cudaHostAllocDefault 0x00

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaDriverGetVersion(int* version);
cudaError_t cudaRuntimeGetVersion(int* version);
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes);
cudaError_t cudaDeviceSynchronize();

cudaError_t cudaMalloc(void** ptr, size_t bytes);
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMallocHost(void** ptr, size_t bytes);
cudaError_t cudaFreeHost(void* ptr);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* ptr, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* ptr, int value, size_t bytes, cudaStream_t stream = nullptr);

cudaError_t cudaStreamCreate(cudaStream_t* stream);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned flags = 0);

cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventQuery(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);

// Stream capture and graphs (emulated in streams.cpp): work queued on a capturing stream is
// recorded, not run; a launched graph queues the recorded work again, in order, on the launch
// stream. Only single-stream captures are emulated (a capturing stream may not wait on events of
// other streams); a synchronization of a capturing stream, cudaDeviceSynchronize, cudaMalloc,
// cudaFree, cudaMallocHost and cudaFreeHost during a global-mode capture fail with
// cudaErrorStreamCaptureUnsupported and invalidate it; use of the legacy stream while a blocking
// stream captures fails with cudaErrorStreamCaptureImplicit.
cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode);
cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph);
cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status);
cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags = 0);
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream);
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec);
cudaError_t cudaGraphDestroy(cudaGraph_t graph);

cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);

// ---- kernel execution --------------------------------------------------------
// The built-in index variables of the thread being emulated.
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

namespace jdnn::cuda::emu {

// Checks that [p, p + bytes) lies in one live device allocation (a logical
// allocation of the caching allocator, or a cudaMalloc block it does not own).
bool is_device_range(const void* p, size_t bytes);

// The caching allocator reports each allocation it hands out and takes back, at
// the caller's size: a block in its cache is not valid device memory. Freeing
// poisons the block in the stream's order (after the work that used it).
void note_logical_allocate(void* p, size_t bytes, cudaStream_t stream);
void note_logical_free(void* p, cudaStream_t stream);

void set_launch_error(cudaError_t error);

// Queues work on a stream, in issue order. The work is what a GPU would run
// later: the emulated cuBLAS/cuDNN compute entries and kernel launches put their
// computation here after checking their arguments at call time. The closure must
// own every value it reads that the caller may change once the call returns
// (host scalars such as alpha/beta, descriptor contents): only device memory is
// read at execution time. `what` names the work in emulation error reports.
void enqueue(cudaStream_t stream, const char* what, std::function<void()> work);

// For work that finds a failure while it runs (a vendor computation): recorded as
// the deferred error the next synchronization reports, with `detail` in its message.
void fail_work(cudaError_t error, const std::string& detail);

// The explanation of the last error the calling thread took from the runtime (which
// argument, which allocation, which work), or "" when that error was not `error`.
std::string error_detail(cudaError_t error);

// The op being issued on this thread (set by the backend's op scope), for messages.
void set_current_op(const char* name);

// ---- kernel launches ------------------------------------------------------------
// One device allocation as the emulation tracks it: the bytes a caller may use and
// the guard after them, up to the end of the block (checked for out-of-bounds writes).
struct Span {
  const char* base = nullptr;
  size_t bytes = 0;     // usable: the logical size (allocator) or the cudaMalloc size
  size_t capacity = 0;  // the whole block, guard included
  int device = 0;       // the device whose cudaMalloc made the block
};
// enqueue() for work that uses device allocations: when the work is captured into a graph and
// replayed, each allocation is checked to be still held (not given back with cudaFree) first.
void enqueue_using(cudaStream_t stream, std::string what, std::vector<Span> uses, std::function<void()> work);
// Checks argument `index` (a pointer to `element` bytes) against live allocations of `device`,
// the device the kernel runs on; false (and the launch error recorded) when it lies in none.
bool check_pointer_argument(const void* p, size_t element, size_t index, const char* kernel, int device,
                            std::vector<Span>& touched);
bool check_launch_config(unsigned grid, unsigned block, const char* kernel);
// A kernel runs on the calling thread's current device, so its stream must belong to that device:
// false (cudaErrorInvalidResourceHandle recorded) when it does not; else sets *device to it.
bool check_launch_stream(cudaStream_t stream, const char* kernel, int* device);
// Queues the grid's execution (run_all runs every block and thread); the guards of the
// touched allocations are checked after it ran.
void enqueue_launch(cudaStream_t stream, const std::string& kernel, std::vector<Span> touched,
                    std::function<void()> run_all);
// Block order of a launch: 0..grid-1, or a seeded permutation under shuffle-blocks.
std::vector<unsigned> block_order(unsigned grid);
std::string kernel_name(const std::type_info& type);
// JDNN_EMU_TRACE: one stderr line per counted launch (the kernel's type, the op, the count after it).
void trace_launch(const std::type_info& kernel, int64_t count);

// A kernel argument that carries pointers inside it (cuda/tensor_table.h's tables) says so with a
// member type emu_pointer_table and lists them through each_range(f), f(pointer, bytes).
template <class T, class = void>
struct is_pointer_table : std::false_type {};
template <class T>
struct is_pointer_table<T, std::void_t<typename T::emu_pointer_table>> : std::true_type {};

template <class T>
bool check_argument(const T& value, size_t index, const char* kernel, int device, std::vector<Span>& touched) {
  if constexpr (is_pointer_table<T>::value) {
    // every entry's whole range, a null entry being an absent operand (state a configuration lacks)
    return value.each_range([&](const void* p, size_t bytes) {
      return p == nullptr || check_pointer_argument(p, bytes > 0 ? bytes : 1, index, kernel, device, touched);
    });
  } else if constexpr (std::is_pointer_v<T>) {
    using Pointee = std::remove_cv_t<std::remove_pointer_t<T>>;
    size_t element = 1;
    if constexpr (!std::is_void_v<Pointee>) element = sizeof(Pointee);
    // A null pointer is how a kernel is told an operand is absent (bias_act_kernel's bias).
    if (value == nullptr) return true;
    return check_pointer_argument(value, element, index, kernel, device, touched);
  } else {
    return true;
  }
}

// The emulated kernel<<<grid, block, 0, stream>>>(args...): the configuration and every
// pointer argument are checked now, the converted arguments are copied into the queued
// work (as a GPU launch copies them) and the grid runs when the stream is synchronized.
template <class... Params, class... Values>
void launch_kernel(void (*kernel)(Params...), unsigned grid, unsigned block, cudaStream_t stream,
                   Values... values) {
  const std::string name = kernel_name(typeid(kernel));
  if (!check_launch_config(grid, block, name.c_str())) return;
  int device = 0;
  if (!check_launch_stream(stream, name.c_str(), &device)) return;
  std::tuple<std::decay_t<Params>...> args(values...);
  std::vector<Span> touched;
  bool ok = true;
  size_t index = 0;
  std::apply(
      [&](const auto&... a) { ((ok = ok && check_argument(a, index++, name.c_str(), device, touched)), ...); },
      args);
  if (!ok) return;
  enqueue_launch(stream, name, std::move(touched), [kernel, args, grid, block] {
    gridDim = dim3(grid);
    blockDim = dim3(block);
    for (unsigned b : block_order(grid)) {
      blockIdx = uint3(b);
      for (unsigned t = 0; t < block; ++t) {
        threadIdx = uint3(t);
        std::apply(kernel, args);
      }
    }
  });
}

}  // namespace jdnn::cuda::emu

// ---- device functions the kernels use, as the host sees them -------------------
// Emulated threads run one at a time, so an atomic is a plain read-modify-write.
template <class T>
inline T atomicAdd(T* address, T value) {
  T old = *address;
  *address = old + value;
  return old;
}
template <class T>
inline T atomicMax(T* address, T value) {
  T old = *address;
  if (value > old) *address = value;
  return old;
}
// atomicCAS: stores val when the old value equals compare; atomicExch: stores val. Both return
// the old value (CUDA C++ Programming Guide, "Atomic Functions").
template <class T>
inline T atomicCAS(T* address, T compare, T val) {
  T old = *address;
  if (old == compare) *address = val;
  return old;
}
template <class T>
inline T atomicExch(T* address, T val) {
  T old = *address;
  *address = val;
  return old;
}
// Memory fences order one thread's accesses for other threads; with one thread at a time there is
// nothing to order.
inline void __threadfence() {}
template <class T>
inline T __ldg(const T* p) { return *p; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
