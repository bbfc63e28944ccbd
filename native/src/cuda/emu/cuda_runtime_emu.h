// CPU emulation of the CUDA runtime subset the CUDA backend uses, so the
// backend's own sources (src/cuda/*.cu) compile with the host compiler into
// libjdnn_cuda_emu and run in CI. Semantics follow the CUDA Runtime API
// reference; anything not listed here is not used by the backend.
//
// "Device" memory is host memory obtained through cudaMalloc and tracked, so
// copies and memsets check that their device pointers lie inside a live
// allocation (a host pointer passed as a device one fails as it would on a GPU,
// instead of silently working). Streams execute synchronously, in call order.
// Kernel launches run every (block, thread) pair in turn on the calling thread.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>

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
  cudaErrorNotReady = 600,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchFailure = 719,
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

// Checks that [p, p + bytes) lies in one live cudaMalloc allocation.
bool is_device_range(const void* p, size_t bytes);

// Runs body once per (block, thread) of a 1-D launch with the index variables set.
// A zero-sized or oversized block fails as cudaErrorInvalidConfiguration does.
template <class Body>
void run_grid(unsigned grid, unsigned block, cudaStream_t, Body&& body);

void set_launch_error(cudaError_t error);

// Queues work on a stream, in issue order. The work is what a GPU would run
// later: the emulated cuBLAS/cuDNN compute entries and kernel launches put their
// computation here after checking their arguments at call time. The closure must
// own every value it reads that the caller may change once the call returns
// (host scalars such as alpha/beta, descriptor contents): only device memory is
// read at execution time. `what` names the work in emulation error reports.
void enqueue(cudaStream_t stream, const char* what, std::function<void()> work);

}  // namespace jdnn::cuda::emu

template <class Body>
void jdnn::cuda::emu::run_grid(unsigned grid, unsigned block, cudaStream_t, Body&& body) {
  if (grid == 0 || block == 0 || block > 1024) {
    set_launch_error(cudaErrorInvalidConfiguration);
    return;
  }
  gridDim = dim3(grid);
  blockDim = dim3(block);
  for (unsigned b = 0; b < grid; ++b) {
    blockIdx = uint3(b);
    for (unsigned t = 0; t < block; ++t) {
      threadIdx = uint3(t);
      body();
    }
  }
}

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
template <class T>
inline T __ldg(const T* p) { return *p; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
