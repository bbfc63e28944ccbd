// What the parts of the emulated CUDA runtime share among themselves (not the
// backend): stream draining, deferred errors, the allocation map and the modes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "cuda/emu/cuda_runtime_emu.h"

namespace jdnn::cuda::emu {

// ---- streams.cpp -------------------------------------------------------------
// Runs every queued item of every stream, in issue order (cudaDeviceSynchronize).
void drain_all();
// Runs the stream's queued items (cudaStreamSynchronize).
void drain_stream(cudaStream_t stream);
// enqueue() with a name built at run time.
void enqueue_named(cudaStream_t stream, std::string what, std::function<void()> work);
// The error that executed work raised, if any, handed out once (then cleared) by the
// next runtime call that reports asynchronous errors; cudaSuccess when none.
cudaError_t take_deferred_error();
// Records a failure for the calling thread's next cudaGetLastError, with its explanation.
cudaError_t record_error(cudaError_t error, std::string detail = {});
// Called by the calls a global-mode capture prohibits (cudaMalloc, cudaFree, cudaMallocHost,
// cudaFreeHost): cudaErrorStreamCaptureUnsupported, with every such capture invalidated, when a
// capture prohibits them on this thread; else cudaSuccess.
cudaError_t check_capture_allows(const char* call);
// cudaErrorStreamCaptureImplicit when `stream` is the legacy stream and a blocking stream captures.
cudaError_t check_legacy_use(cudaStream_t stream, const char* call);
// The device a stream belongs to: the one current on the thread that created it; the legacy
// stream (nullptr) stands for the calling thread's current device's.
int stream_device(cudaStream_t stream);
// Whether a capture is under way on the stream.
bool stream_capturing(cudaStream_t stream);
// Fails `call` on a capturing stream with cudaErrorStreamCaptureUnsupported (saying `why`) and
// invalidates the capture.
cudaError_t refuse_in_capture(cudaStream_t stream, const std::string& call, const std::string& why);

// ---- allocations.cpp ----------------------------------------------------------
// Byte written over fresh, freed and reused device memory: every float or double
// made of it is a NaN, so a read of memory nobody wrote shows in results.
constexpr unsigned char kPoison = 0xFF;

// The live allocation holding [p, p + bytes), if any.
bool find_live(const void* p, size_t bytes, Span* out);
// Whether [p, p + bytes) lies in one cudaMallocHost block.
bool is_pinned(const void* p, size_t bytes);
// Checks the guard of the allocation as it was when work was issued; on damage, records a
// deferred cudaErrorIllegalAddress naming the work and the allocation's size. Run on executed work.
void check_guard(const Span& span, const std::string& what);
// Registers a fresh cudaMalloc block of `capacity` bytes (requested + guard) on `device`, poisoned.
void add_block(char* base, size_t requested, size_t capacity, int device);
// Forgets a block (cudaFree) after checking its guard; false if base starts no block.
bool remove_block(const void* base);
// Whether the cudaMalloc block `span` lies in is still held (a graph replay checks what it uses).
bool block_held(const Span& span);
void add_pinned(const void* base, size_t bytes);
bool remove_pinned(const void* base);
// Bytes held by cudaMalloc blocks on `device` (for the memory=<size> mode).
size_t device_bytes_held(int device);
// "memory of device 1 (the allocation ...) used by work of device 0: ...": the explanation of the
// cudaErrorIllegalAddress of a kernel, copy or memset of `device` given memory of span.device.
std::string foreign_memory(const Span& span, int device);
// The op being issued on this thread, for messages ("" outside ops).
const char* current_op_name();

// ---- runtime.cpp -----------------------------------------------------------------
// The calling thread's current device (cudaSetDevice; 0 until the thread sets one).
int current_device();

// ---- modes.cpp -------------------------------------------------------------------
struct Modes {
  bool shuffle_blocks = false;
  bool jitter = false;
  int major = 9, minor = 0;
  size_t memory_limit = 0;  // 0: the host's memory (per device)
  int devices = 1;          // cudaGetDeviceCount
  uint64_t seed = 1;
  std::string error;  // a JDNN_EMU_MODES entry that was not understood, explained; "" when fine
};
// Read once from JDNN_EMU_MODES (comma-separated); a bad entry makes the device unusable
// (cudaGetDeviceCount fails with cudaErrorInitializationError) with `error` saying why.
const Modes& modes();

}  // namespace jdnn::cuda::emu
