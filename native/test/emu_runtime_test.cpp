// Plants the defects the strict CUDA runtime emulation (src/cuda/emu/) exists
// to catch and checks that each is caught, plus the documented semantics it
// models: a host read without a synchronization, cudaEventQuery while work is
// queued, pinned versus pageable copies, stream waits, a freed block used through
// the cache, a write past an allocation, a host pointer given to a kernel, fresh
// memory read before anything wrote it, and under JDNN_EMU_MODES devices=2 a second
// thread that forgot cudaSetDevice and memory of one device used by another's work.
// Run by EmulatedRuntimeTest; prints what failed and exits 1, else exits 0.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "checks.h"
#include "cuda/emu/cuda_runtime_emu.h"
#include "cuda/emu/emu_internal.h"
#include "kernels/common.h"

namespace emu = jdnn::cuda::emu;

namespace {

void fill_kernel(float* p, int64_t n, float value) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x)
    p[i] = value;
}

void copy_kernel(const float* src, float* dst, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x)
    dst[i] = src[i];
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// Device memory handed out as the backend's caching allocator does: a cudaMalloc block,
// reported as one logical allocation of `floats` floats.
float* tensor(size_t floats, cudaStream_t s) {
  void* p = nullptr;
  if (cudaMalloc(&p, 4096) != cudaSuccess) return nullptr;
  emu::note_logical_allocate(p, floats * sizeof(float), s);
  return static_cast<float*>(p);
}

void host_read_without_sync_sees_no_result(cudaStream_t s) {
  float* d = tensor(8, s);
  emu::launch_kernel(fill_kernel, 1, 32, s, d, int64_t(8), 3.0f);
  CHECK(cudaGetLastError() == cudaSuccess);
  // The emulation keeps device memory in host memory, so the host can look: nothing ran yet.
  CHECK(std::isnan(d[0]));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(d[0] == 3.0f && d[7] == 3.0f);
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
}

void fresh_memory_reads_as_nan() {
  void* p = nullptr;
  CHECK(cudaMalloc(&p, 64) == cudaSuccess);
  float f[4];
  double g[2];
  CHECK(cudaMemcpy(f, p, sizeof(f), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(cudaMemcpy(g, p, sizeof(g), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(std::isnan(f[0]) && std::isnan(f[3]) && std::isnan(g[0]) && std::isnan(g[1]));
  CHECK(cudaFree(p) == cudaSuccess);
}

// D2H into pinned memory lands when the stream runs; into pageable memory the call waits.
void device_to_host_pinned_and_pageable(cudaStream_t s) {
  float* d = tensor(4, s);
  emu::launch_kernel(fill_kernel, 1, 4, s, d, int64_t(4), 5.0f);
  float* pinned = nullptr;
  CHECK(cudaMallocHost(reinterpret_cast<void**>(&pinned), 4 * sizeof(float)) == cudaSuccess);
  pinned[0] = -1.0f;
  CHECK(cudaMemcpyAsync(pinned, d, 4 * sizeof(float), cudaMemcpyDeviceToHost, s) == cudaSuccess);
  CHECK(pinned[0] == -1.0f);  // stale until a synchronization
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(pinned[0] == 5.0f);

  emu::launch_kernel(fill_kernel, 1, 4, s, d, int64_t(4), 6.0f);
  float pageable[4] = {-1, -1, -1, -1};
  CHECK(cudaMemcpyAsync(pageable, d, sizeof(pageable), cudaMemcpyDeviceToHost, s) == cudaSuccess);
  CHECK(pageable[0] == 6.0f && pageable[3] == 6.0f);
  CHECK(cudaFreeHost(pinned) == cudaSuccess);
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
}

// H2D from pageable memory takes the source at the call; from pinned memory, when it runs.
void host_to_device_pinned_and_pageable(cudaStream_t s) {
  float* d = tensor(2, s);
  float pageable[2] = {1, 1};
  CHECK(cudaMemcpyAsync(d, pageable, sizeof(pageable), cudaMemcpyHostToDevice, s) == cudaSuccess);
  pageable[0] = 2;  // after the call: not seen
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(d[0] == 1.0f);

  float* pinned = nullptr;
  CHECK(cudaMallocHost(reinterpret_cast<void**>(&pinned), 2 * sizeof(float)) == cudaSuccess);
  pinned[0] = pinned[1] = 3;
  CHECK(cudaMemcpyAsync(d, pinned, 2 * sizeof(float), cudaMemcpyHostToDevice, s) == cudaSuccess);
  pinned[0] = 4;  // before the copy ran: a GPU may read either; the emulation reads at execution
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(d[0] == 4.0f && d[1] == 3.0f);
  CHECK(cudaFreeHost(pinned) == cudaSuccess);
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
}

void event_query_is_not_ready_while_work_is_queued(cudaStream_t s) {
  float* d = tensor(4, s);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);  // the block's poisoning
  for (int i = 0; i < 3; ++i) emu::launch_kernel(fill_kernel, 1, 4, s, d, int64_t(4), float(i));
  cudaEvent_t e = nullptr;
  CHECK(cudaEventCreate(&e) == cudaSuccess);
  CHECK(cudaEventQuery(e) == cudaSuccess);  // never recorded
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  int polls = 0;
  while (cudaEventQuery(e) == cudaErrorNotReady && polls < 100) ++polls;
  // One queued item per query: three kernels and the record itself.
  CHECK(polls == 4);
  CHECK(d[0] == 2.0f);
  float ms = -1;
  CHECK(cudaEventElapsedTime(&ms, e, e) == cudaSuccess && ms == 0.0f);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
}

// The waiting stream's later work runs after the event's stream reached the event.
void stream_wait_event_orders_two_streams() {
  cudaStream_t a = nullptr, b = nullptr;
  CHECK(cudaStreamCreateWithFlags(&a, cudaStreamNonBlocking) == cudaSuccess);
  CHECK(cudaStreamCreateWithFlags(&b, cudaStreamNonBlocking) == cudaSuccess);
  float* x = tensor(4, a);
  float* y = tensor(4, a);
  CHECK(cudaStreamSynchronize(a) == cudaSuccess);
  emu::launch_kernel(fill_kernel, 1, 4, a, x, int64_t(4), 7.0f);
  cudaEvent_t e = nullptr;
  CHECK(cudaEventCreate(&e) == cudaSuccess);
  CHECK(cudaEventRecord(e, a) == cudaSuccess);
  emu::launch_kernel(fill_kernel, 1, 4, a, x, int64_t(4), 8.0f);  // after the event: not waited for
  CHECK(cudaStreamWaitEvent(b, e, 0) == cudaSuccess);
  emu::launch_kernel(copy_kernel, 1, 4, b, static_cast<const float*>(x), y, int64_t(4));
  CHECK(cudaStreamSynchronize(b) == cudaSuccess);
  CHECK(y[0] == 7.0f);
  CHECK(x[0] == 7.0f);  // a's work after the event is still queued
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  CHECK(x[0] == 8.0f);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
  emu::note_logical_free(x, a);
  emu::note_logical_free(y, a);
  CHECK(cudaFree(x) == cudaSuccess && cudaFree(y) == cudaSuccess);
  CHECK(cudaStreamDestroy(a) == cudaSuccess && cudaStreamDestroy(b) == cudaSuccess);
}

// A batch uploaded on a second (copy) stream into a block compute work used before, as the
// backend's copy stream does (cuda/context.h): step k's kernels read the block's old contents
// (1), the copy writes the next batch (2), step k+1 reads it. Two events order the streams: the
// copy waits for the compute work queued before it (the block's earlier users), and compute waits
// for the copy before reading. Each is planted missing in turn; the emulation runs unordered
// work in reverse issue order, so either omission gives wrong data. Returns {step k, step k+1}.
std::pair<float, float> upload_on_a_second_stream(bool copy_waits_for_compute, bool compute_waits_for_copy) {
  cudaStream_t compute = nullptr, copy = nullptr;
  CHECK(cudaStreamCreateWithFlags(&compute, cudaStreamNonBlocking) == cudaSuccess);
  CHECK(cudaStreamCreateWithFlags(&copy, cudaStreamNonBlocking) == cudaSuccess);
  float* block = tensor(4, compute);
  float* step_k = tensor(4, compute);
  float* step_next = tensor(4, compute);
  float* pinned = nullptr;
  CHECK(cudaMallocHost(reinterpret_cast<void**>(&pinned), 4 * sizeof(float)) == cudaSuccess);
  for (int i = 0; i < 4; ++i) pinned[i] = 2.0f;
  emu::launch_kernel(fill_kernel, 1, 4, compute, block, int64_t(4), 1.0f);  // batch k, uploaded earlier
  emu::launch_kernel(copy_kernel, 1, 4, compute, static_cast<const float*>(block), step_k, int64_t(4));
  cudaEvent_t queued = nullptr, copied = nullptr;
  CHECK(cudaEventCreate(&queued) == cudaSuccess && cudaEventCreate(&copied) == cudaSuccess);
  if (copy_waits_for_compute) {
    CHECK(cudaEventRecord(queued, compute) == cudaSuccess);
    CHECK(cudaStreamWaitEvent(copy, queued, 0) == cudaSuccess);
  }
  CHECK(cudaMemcpyAsync(block, pinned, 4 * sizeof(float), cudaMemcpyHostToDevice, copy) == cudaSuccess);
  CHECK(cudaEventRecord(copied, copy) == cudaSuccess);
  if (compute_waits_for_copy) CHECK(cudaStreamWaitEvent(compute, copied, 0) == cudaSuccess);
  emu::launch_kernel(copy_kernel, 1, 4, compute, static_cast<const float*>(block), step_next, int64_t(4));
  CHECK(cudaStreamSynchronize(compute) == cudaSuccess);
  const std::pair<float, float> seen{step_k[0], step_next[0]};
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  CHECK(cudaEventDestroy(queued) == cudaSuccess && cudaEventDestroy(copied) == cudaSuccess);
  CHECK(cudaFreeHost(pinned) == cudaSuccess);
  for (float* p : {block, step_k, step_next}) {
    emu::note_logical_free(p, compute);
    CHECK(cudaFree(p) == cudaSuccess);
  }
  CHECK(cudaStreamDestroy(compute) == cudaSuccess && cudaStreamDestroy(copy) == cudaSuccess);
  return seen;
}

void copy_stream_orderings_are_checked() {
  const auto ordered = upload_on_a_second_stream(true, true);
  CHECK(ordered.first == 1.0f && ordered.second == 2.0f);
  // Planted: the copy does not wait for the compute work queued before it, so it overwrites
  // the block before step k's kernels read it (and the older fill overwrites the copy).
  const auto copy_first = upload_on_a_second_stream(false, true);
  CHECK(!(copy_first.first == 1.0f && copy_first.second == 2.0f));
  // Planted: compute does not wait for the copy, so step k+1 reads the old batch.
  const auto copy_late = upload_on_a_second_stream(true, false);
  CHECK(copy_late.first == 1.0f && copy_late.second == 1.0f);
}

// A synchronous cudaMemcpy runs on the legacy default stream, which a non-blocking stream
// does not synchronize with: a result still queued there is not what it reads.
void sync_copy_does_not_wait_for_a_non_blocking_stream() {
  cudaStream_t s = nullptr;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  float* d = tensor(1, s);
  emu::launch_kernel(fill_kernel, 1, 1, s, d, int64_t(1), 9.0f);
  float h = 0;
  CHECK(cudaMemcpy(&h, d, sizeof(h), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(std::isnan(h));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(cudaMemcpy(&h, d, sizeof(h), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(h == 9.0f);
  // A blocking stream is ordered with the legacy stream: the copy waits for its kernel.
  cudaStream_t blocking = nullptr;
  CHECK(cudaStreamCreate(&blocking) == cudaSuccess);
  emu::launch_kernel(fill_kernel, 1, 1, blocking, d, int64_t(1), 10.0f);
  CHECK(cudaMemcpy(&h, d, sizeof(h), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(h == 10.0f);
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
  CHECK(cudaStreamDestroy(s) == cudaSuccess && cudaStreamDestroy(blocking) == cudaSuccess);
}

void freed_block_in_the_cache_is_not_device_memory(cudaStream_t s) {
  float* d = tensor(16, s);
  emu::note_logical_free(d, s);  // back in the allocator's cache; the cudaMalloc block lives on
  emu::launch_kernel(fill_kernel, 1, 16, s, d, int64_t(16), 1.0f);
  CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
  CHECK(contains(emu::error_detail(cudaErrorIllegalAddress), "argument 0 of kernel"));
  CHECK(contains(emu::error_detail(cudaErrorIllegalAddress), "no live device allocation"));
  float h[16];
  CHECK(cudaMemcpyAsync(h, d, sizeof(h), cudaMemcpyDeviceToHost, s) == cudaErrorInvalidValue);
  CHECK(cudaGetLastError() == cudaErrorInvalidValue);
  // Handed out again, at a smaller size: valid up to that size only.
  emu::note_logical_allocate(d, 4 * sizeof(float), s);
  CHECK(emu::is_device_range(d, 4 * sizeof(float)));
  CHECK(!emu::is_device_range(d, 5 * sizeof(float)));
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
}

void freed_block_is_poisoned_after_the_work_before_the_free(cudaStream_t s) {
  float* d = tensor(4, s);
  float* out = tensor(4, s);
  emu::launch_kernel(fill_kernel, 1, 4, s, d, int64_t(4), 2.0f);
  emu::launch_kernel(copy_kernel, 1, 4, s, static_cast<const float*>(d), out, int64_t(4));
  emu::note_logical_free(d, s);  // the copy queued before still reads d's values
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(out[0] == 2.0f && out[3] == 2.0f);
#if !defined(JDNN_ASAN)  // there the freed block is poisoned for AddressSanitizer: reading it stops the program
  CHECK(std::isnan(d[0]));
#endif
  emu::note_logical_free(out, s);
  CHECK(cudaFree(d) == cudaSuccess && cudaFree(out) == cudaSuccess);
}

void write_past_the_end_is_reported(cudaStream_t s) {
  float* d = tensor(10, s);
  emu::launch_kernel(fill_kernel, 1, 32, s, d, int64_t(11), 1.0f);  // one element too many
  CHECK(cudaGetLastError() == cudaSuccess);  // found only when it ran
  CHECK(cudaStreamSynchronize(s) == cudaErrorIllegalAddress);
  const std::string detail = emu::error_detail(cudaErrorIllegalAddress);
  CHECK(contains(detail, "wrote past the end of the allocation of 40 bytes"));
  CHECK(contains(detail, "fill_kernel") || contains(detail, "float*, long, float"));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);  // reported once
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
}

void host_pointer_given_to_a_kernel_fails(cudaStream_t s) {
  std::vector<float> host(8);
  float* d = tensor(8, s);
  emu::launch_kernel(copy_kernel, 1, 8, s, static_cast<const float*>(d), host.data(), int64_t(8));
  CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
  CHECK(contains(emu::error_detail(cudaErrorIllegalAddress), "argument 1 of kernel"));
  emu::launch_kernel(fill_kernel, 0, 8, s, d, int64_t(8), 0.0f);
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  emu::note_logical_free(d, s);
  CHECK(cudaFree(d) == cudaSuccess);
}

void failing_work_is_reported_by_the_next_call(cudaStream_t s) {
  emu::enqueue(s, "a planted failure", [] { emu::fail_work(cudaErrorLaunchFailure, "planted"); });
  CHECK(cudaGetLastError() == cudaSuccess);  // queued, not run
  CHECK(cudaStreamSynchronize(s) == cudaErrorLaunchFailure);
  CHECK(contains(emu::error_detail(cudaErrorLaunchFailure), "planted"));
  CHECK(emu::error_detail(cudaErrorIllegalAddress).empty());  // it explains only its own error
  CHECK(cudaGetLastError() == cudaErrorLaunchFailure);  // the thread's last error
  CHECK(cudaGetLastError() == cudaSuccess);
}

void record_block_kernel(int* order, int* count) {
  if (threadIdx.x == 0) order[(*count)++] = int(blockIdx.x);
}

// The JDNN_EMU_MODES the program runs under (EmulationModesTest runs it with each).
void modes_take_effect(cudaStream_t s) {
  const emu::Modes& m = emu::modes();
  CHECK(m.error.empty());
  int* order = nullptr;
  CHECK(cudaMalloc(reinterpret_cast<void**>(&order), 9 * sizeof(int)) == cudaSuccess);
  order[8] = 0;
  emu::launch_kernel(record_block_kernel, 8, 2, s, order, order + 8);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  bool in_order = order[8] == 8;
  for (int b = 0; b < 8; ++b) in_order = in_order && order[b] == b;
  CHECK(in_order != m.shuffle_blocks);
  CHECK(cudaFree(order) == cudaSuccess);

  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 0) == cudaSuccess);
  CHECK(prop.major == m.major && prop.minor == m.minor);
  size_t free_bytes = 0, total = 0;
  CHECK(cudaMemGetInfo(&free_bytes, &total) == cudaSuccess);
  if (m.memory_limit != 0) {
    CHECK(total == m.memory_limit && prop.totalGlobalMem == m.memory_limit);
    void* p = nullptr;
    CHECK(cudaMalloc(&p, m.memory_limit + 1) == cudaErrorMemoryAllocation);
    CHECK(contains(emu::error_detail(cudaErrorMemoryAllocation), "memory mode"));
    CHECK(cudaGetLastError() == cudaErrorMemoryAllocation);
  }
  // Device math: under jitter, some results move by exactly one ulp, none by more.
  int moved = 0, too_far = 0;
  for (int i = 1; i <= 1000; ++i) {
    const float x = 0.01f * float(i);
    const float exact = std::exp(x), got = emu::jitter_ulp(exact, x, false);
    if (got != exact) ++moved;
    if (got != exact && got != std::nextafter(exact, 0.0f) && got != std::nextafter(exact, 1e30f)) ++too_far;
    const double t = std::tanh(double(x));
    CHECK(std::fabs(emu::jitter_ulp(t, double(x), true)) <= std::fabs(t));
  }
  CHECK(too_far == 0);
  CHECK(m.jitter ? moved > 300 && moved < 700 : moved == 0);
  CHECK(emu::jitter_ulp(1.0f, 0.0f, false) == 1.0f);  // exp(0) stays exact

  std::printf("modes: jitter %d (%d of 1000 moved), shuffle-blocks %d, sm%d%d, memory %zu of %zu bytes free\n",
              int(m.jitter), moved, int(m.shuffle_blocks), prop.major,
              prop.minor, free_bytes, total);
}

// Runs f on a new host thread, which starts on device 0 as a CUDA runtime thread does.
template <class F>
void on_new_thread(F f) {
  std::thread t(f);
  t.join();
}

// One device (the default): ordinal 1 does not exist.
void one_device_has_ordinal_zero_only() {
  int count = 0, current = -1;
  CHECK(cudaGetDeviceCount(&count) == cudaSuccess && count == 1);
  CHECK(cudaSetDevice(1) == cudaErrorInvalidDevice);
  CHECK(contains(emu::error_detail(cudaErrorInvalidDevice), "has 1 device"));
  CHECK(cudaGetLastError() == cudaErrorInvalidDevice);
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 1) == cudaErrorInvalidDevice);
  CHECK(cudaGetLastError() == cudaErrorInvalidDevice);
  CHECK(cudaSetDevice(0) == cudaSuccess && cudaGetDevice(&current) == cudaSuccess && current == 0);
}

// JDNN_EMU_MODES devices=2: the current device is per host thread; memory, streams and events belong
// to the device current at their creation. Plants the two defects a process bound to GPU 1 can
// have: a thread that never called cudaSetDevice (so works on device 0), and memory of device 1
// given to device 0's work.
void several_devices() {
  int count = 0, current = -1;
  CHECK(cudaGetDeviceCount(&count) == cudaSuccess && count == 2);
  CHECK(cudaSetDevice(2) == cudaErrorInvalidDevice && cudaGetLastError() == cudaErrorInvalidDevice);
  CHECK(cudaSetDevice(-1) == cudaErrorInvalidDevice && cudaGetLastError() == cudaErrorInvalidDevice);
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 1) == cudaSuccess && prop.major == emu::modes().major);

  // The process's device is 1, as the backend binds it: its stream, memory and event.
  CHECK(cudaSetDevice(1) == cudaSuccess && cudaGetDevice(&current) == cudaSuccess && current == 1);
  on_new_thread([] {  // another thread keeps its own current device, starting at 0
    int other = -1;
    CHECK(cudaGetDevice(&other) == cudaSuccess && other == 0);
  });
  CHECK(cudaGetDevice(&current) == cudaSuccess && current == 1);
  cudaStream_t s1 = nullptr;
  CHECK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking) == cudaSuccess);
  float* d1 = tensor(4, s1);
  cudaEvent_t e1 = nullptr;
  CHECK(cudaEventCreate(&e1) == cudaSuccess);
  emu::launch_kernel(fill_kernel, 1, 4, s1, d1, int64_t(4), 1.0f);
  CHECK(cudaGetLastError() == cudaSuccess);
  CHECK(cudaEventRecord(e1, s1) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s1) == cudaSuccess && d1[3] == 1.0f);

  // Planted: a second thread that never called cudaSetDevice enters with device 0 current.
  on_new_thread([&] {
    emu::launch_kernel(fill_kernel, 1, 4, s1, d1, int64_t(4), 2.0f);
    CHECK(cudaGetLastError() == cudaErrorInvalidResourceHandle);
    const std::string launch = emu::error_detail(cudaErrorInvalidResourceHandle);
    CHECK(contains(launch, "launched on a stream of device 1 while the calling thread's current device is 0"));
    CHECK(contains(launch, "cudaSetDevice(1)"));
    // Its cudaMalloc lands on device 0: copying into that memory on the process's stream fails.
    float* d0 = tensor(4, s1);
    float host[4] = {5, 5, 5, 5};
    CHECK(cudaMemcpyAsync(d0, host, sizeof(host), cudaMemcpyHostToDevice, s1) == cudaErrorIllegalAddress);
    const std::string copy = emu::error_detail(cudaErrorIllegalAddress);
    CHECK(contains(copy, "memory of device 0") && contains(copy, "used by work of device 1"));
    CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
    // Its events are device 0's: recording one on the process's stream fails.
    cudaEvent_t e0 = nullptr;
    CHECK(cudaEventCreate(&e0) == cudaSuccess);
    CHECK(cudaEventRecord(e0, s1) == cudaErrorInvalidResourceHandle);
    CHECK(contains(emu::error_detail(cudaErrorInvalidResourceHandle), "the event belongs to device 0, the stream to device 1"));
    CHECK(cudaGetLastError() == cudaErrorInvalidResourceHandle);
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, e0, e1) == cudaErrorInvalidResourceHandle);
    CHECK(cudaGetLastError() == cudaErrorInvalidResourceHandle);
    // What the CUDA Programming Guide lets a thread do with another device's stream and event.
    CHECK(cudaMemcpyAsync(d1, host, sizeof(host), cudaMemcpyHostToDevice, s1) == cudaSuccess);
    CHECK(cudaEventSynchronize(e1) == cudaSuccess && cudaEventQuery(e1) == cudaSuccess);
    CHECK(cudaStreamSynchronize(s1) == cudaSuccess && d1[0] == 5.0f);
    CHECK(cudaEventDestroy(e0) == cudaSuccess);
    emu::note_logical_free(d0, s1);
    CHECK(cudaFree(d0) == cudaSuccess);
    // Bound, the same thread works on the process's device.
    CHECK(cudaSetDevice(1) == cudaSuccess);
    emu::launch_kernel(fill_kernel, 1, 4, s1, d1, int64_t(4), 3.0f);
    CHECK(cudaGetLastError() == cudaSuccess);
    CHECK(cudaStreamSynchronize(s1) == cudaSuccess && d1[0] == 3.0f);
  });

  // Planted: memory of device 1 given to work of device 0 (no peer access).
  CHECK(cudaSetDevice(0) == cudaSuccess);
  cudaStream_t s0 = nullptr;
  CHECK(cudaStreamCreateWithFlags(&s0, cudaStreamNonBlocking) == cudaSuccess);
  float* d0 = tensor(4, s0);
  emu::launch_kernel(copy_kernel, 1, 4, s0, static_cast<const float*>(d1), d0, int64_t(4));
  CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
  const std::string kernel = emu::error_detail(cudaErrorIllegalAddress);
  CHECK(contains(kernel, "argument 0 of kernel") && contains(kernel, "memory of device 1") &&
        contains(kernel, "used by work of device 0"));
  CHECK(cudaMemsetAsync(d1, 0, 4 * sizeof(float), s0) == cudaErrorIllegalAddress);
  CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
  CHECK(cudaMemcpyAsync(d0, d1, 4 * sizeof(float), cudaMemcpyDeviceToDevice, s0) == cudaErrorIllegalAddress);
  CHECK(contains(emu::error_detail(cudaErrorIllegalAddress), "the source is memory of device 1"));
  CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
  // The legacy stream is the current device's: device 1's memory is foreign to it here.
  float h = 0;
  CHECK(cudaMemcpy(&h, d1, sizeof(h), cudaMemcpyDeviceToHost) == cudaErrorIllegalAddress);
  CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
  // Ordering across devices is allowed: device 0's stream may wait for device 1's event.
  CHECK(cudaStreamWaitEvent(s0, e1, 0) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s0) == cudaSuccess);
  emu::note_logical_free(d0, s0);
  CHECK(cudaFree(d0) == cudaSuccess);
  CHECK(cudaStreamDestroy(s0) == cudaSuccess);

  CHECK(cudaSetDevice(1) == cudaSuccess);
  CHECK(cudaEventDestroy(e1) == cudaSuccess);
  emu::note_logical_free(d1, s1);
  CHECK(cudaFree(d1) == cudaSuccess);
  CHECK(cudaStreamDestroy(s1) == cudaSuccess);
  CHECK(cudaSetDevice(0) == cudaSuccess);
  std::printf("devices: %d, a thread on the wrong device and another device's memory caught\n", count);
}

// The planted write past an allocation alone, for AddressSanitizer to stop (scripts/asan-emu.sh).
int planted_write_past_the_end() {
  cudaStream_t s = nullptr;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  float* d = tensor(10, s);
  emu::launch_kernel(fill_kernel, 1, 32, s, d, int64_t(11), 1.0f);
  const cudaError_t st = cudaStreamSynchronize(s);
  std::printf("the write past the end gave %s: %s\n", cudaGetErrorName(st), emu::error_detail(st).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--planted-write-past-the-end") == 0) return planted_write_past_the_end();
  cudaStream_t s = nullptr;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  host_read_without_sync_sees_no_result(s);
  fresh_memory_reads_as_nan();
  device_to_host_pinned_and_pageable(s);
  host_to_device_pinned_and_pageable(s);
  event_query_is_not_ready_while_work_is_queued(s);
  stream_wait_event_orders_two_streams();
  copy_stream_orderings_are_checked();
  sync_copy_does_not_wait_for_a_non_blocking_stream();
  freed_block_in_the_cache_is_not_device_memory(s);
  freed_block_is_poisoned_after_the_work_before_the_free(s);
#if !defined(JDNN_ASAN)  // there AddressSanitizer stops the program at the write (asan_planted_write)
  write_past_the_end_is_reported(s);
#endif
  host_pointer_given_to_a_kernel_fails(s);
  failing_work_is_reported_by_the_next_call(s);
  modes_take_effect(s);
  if (emu::modes().devices == 1) one_device_has_ordinal_zero_only();
  else several_devices();
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
  return jdnn_test::checks_summary();
}
