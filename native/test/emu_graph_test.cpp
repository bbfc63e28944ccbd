// Stream capture and graph replay in the strict CUDA runtime emulation, against the documented
// semantics (CUDA Runtime API, "Stream Management" and "Graph Management") and planted defects:
// captured work is recorded, not run; a replay re-runs it in order with the kernel arguments of
// the capture and reads pinned host memory when it runs; synchronizations and allocations during
// a capture fail and invalidate it; a replay whose captured allocation was freed is reported.
// Run by EmulatedGraphTest; prints what failed and exits 1, else exits 0.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "checks.h"
#include "cuda/emu/cuda_runtime_emu.h"
#include "cuda/emu/emu_internal.h"

namespace emu = jdnn::cuda::emu;

namespace {

void add_kernel(float* p, int64_t n, float value) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x)
    p[i] += value;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

float* device_floats(size_t n) {
  void* p = nullptr;
  return cudaMalloc(&p, n * sizeof(float)) == cudaSuccess ? static_cast<float*>(p) : nullptr;
}

// Captured work does not run; each replay runs it again, in capture order, with the
// arguments of the capture (by value); pinned host memory is read when the replay runs.
void capture_records_and_replay_reruns(cudaStream_t s) {
  float* d = device_floats(4);
  float* pinned = nullptr;
  CHECK(cudaMallocHost(reinterpret_cast<void**>(&pinned), 4 * sizeof(float)) == cudaSuccess);
  for (int i = 0; i < 4; ++i) pinned[i] = 1.0f;
  CHECK(cudaMemsetAsync(d, 0, 4 * sizeof(float), s) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);

  cudaStreamCaptureStatus status = cudaStreamCaptureStatusActive;
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusNone);
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaSuccess);
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusActive);
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaErrorIllegalState);
  CHECK(cudaGetLastError() == cudaErrorIllegalState);  // taken, so the launches below start clean
  CHECK(cudaMemcpyAsync(d, pinned, 4 * sizeof(float), cudaMemcpyHostToDevice, s) == cudaSuccess);
  float value = 2.0f;
  emu::launch_kernel(add_kernel, 1, 4, s, d, int64_t(4), value);
  value = 100.0f;  // arguments were copied at the launch
  emu::launch_kernel(add_kernel, 1, 4, s, d, int64_t(4), 0.5f);
  CHECK(cudaGetLastError() == cudaSuccess);
  cudaGraph_t graph = nullptr;
  CHECK(cudaStreamEndCapture(s, &graph) == cudaSuccess && graph != nullptr);
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusNone);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  float host[4] = {-1, -1, -1, -1};
  CHECK(cudaMemcpy(host, d, sizeof(host), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(host[0] == 0.0f && host[3] == 0.0f);  // recorded, not run

  cudaGraphExec_t exec = nullptr;
  CHECK(cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess && exec != nullptr);
  CHECK(cudaGraphLaunch(exec, s) == cudaSuccess);
  for (int i = 0; i < 4; ++i) pinned[i] = 10.0f;  // before the replay ran: the replay reads it
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(cudaMemcpy(host, d, sizeof(host), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(host[0] == 12.5f && host[3] == 12.5f);
  for (int i = 0; i < 4; ++i) pinned[i] = 3.0f;
  CHECK(cudaGraphLaunch(exec, s) == cudaSuccess);
  CHECK(cudaGraphLaunch(exec, s) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(cudaMemcpy(host, d, sizeof(host), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(host[1] == 5.5f);  // each replay: copy 3, then +2, +0.5

  CHECK(cudaGraphExecDestroy(exec) == cudaSuccess);
  CHECK(cudaGraphDestroy(graph) == cudaSuccess);
  CHECK(cudaFreeHost(pinned) == cudaSuccess);
  CHECK(cudaFree(d) == cudaSuccess);
}

// Ends a capture that a prohibited call invalidated: no graph, cudaErrorStreamCaptureInvalidated.
void end_invalidated(cudaStream_t s, const char* cause) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusInvalidated);
  cudaGraph_t graph = reinterpret_cast<cudaGraph_t>(&status);
  CHECK(cudaStreamEndCapture(s, &graph) == cudaErrorStreamCaptureInvalidated && graph == nullptr);
  CHECK(contains(emu::error_detail(cudaErrorStreamCaptureInvalidated), cause));
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusNone);
}

// Planted defects: host waits and allocations inside a global-mode capture.
void sync_and_alloc_during_capture_fail(cudaStream_t s) {
  float* d = device_floats(4);
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaSuccess);
  emu::launch_kernel(add_kernel, 1, 4, s, d, int64_t(4), 1.0f);
  CHECK(cudaStreamSynchronize(s) == cudaErrorStreamCaptureUnsupported);
  CHECK(contains(emu::error_detail(cudaErrorStreamCaptureUnsupported), "cudaStreamSynchronize"));
  end_invalidated(s, "cudaStreamSynchronize");

  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaSuccess);
  CHECK(cudaDeviceSynchronize() == cudaErrorStreamCaptureUnsupported);
  end_invalidated(s, "cudaDeviceSynchronize");

  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaSuccess);
  void* p = nullptr;
  CHECK(cudaMalloc(&p, 64) == cudaErrorStreamCaptureUnsupported);
  end_invalidated(s, "cudaMalloc");

  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaSuccess);
  CHECK(cudaFree(d) == cudaErrorStreamCaptureUnsupported);
  end_invalidated(s, "cudaFree");

  // An event recorded in a capture is a graph node: no host can wait for it.
  cudaEvent_t e = nullptr;
  CHECK(cudaEventCreate(&e) == cudaSuccess);
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaSuccess);
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  CHECK(cudaEventSynchronize(e) == cudaErrorCapturedEvent);
  CHECK(cudaEventQuery(e) == cudaErrorCapturedEvent);
  // A pageable host buffer cannot be replayed by address.
  float pageable[4] = {};
  CHECK(cudaMemcpyAsync(d, pageable, sizeof(pageable), cudaMemcpyHostToDevice, s) ==
        cudaErrorStreamCaptureUnsupported);
  end_invalidated(s, "pageable");
  CHECK(cudaEventDestroy(e) == cudaSuccess);

  // Relaxed mode allows cudaMalloc (the graph just does not replay it).
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed) == cudaSuccess);
  CHECK(cudaMalloc(&p, 64) == cudaSuccess);
  cudaGraph_t graph = nullptr;
  CHECK(cudaStreamEndCapture(s, &graph) == cudaSuccess && graph != nullptr);
  CHECK(cudaGraphDestroy(graph) == cudaSuccess);
  CHECK(cudaFree(p) == cudaSuccess);

  CHECK(cudaStreamBeginCapture(nullptr, cudaStreamCaptureModeGlobal) == cudaErrorStreamCaptureUnsupported);
  cudaGraph_t none = nullptr;
  CHECK(cudaStreamEndCapture(s, &none) == cudaErrorIllegalState);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);  // the stream works again after each capture
  CHECK(cudaFree(d) == cudaSuccess);
}

// The legacy stream may not be used while a blocking stream captures (an implicit dependency).
void legacy_stream_during_blocking_capture() {
  cudaStream_t blocking = nullptr;
  CHECK(cudaStreamCreate(&blocking) == cudaSuccess);
  float* d = device_floats(4);
  CHECK(cudaStreamBeginCapture(blocking, cudaStreamCaptureModeRelaxed) == cudaSuccess);
  float host[4];
  CHECK(cudaMemcpy(host, d, sizeof(host), cudaMemcpyDeviceToHost) == cudaErrorStreamCaptureImplicit);
  cudaStreamCaptureStatus status;
  CHECK(cudaStreamIsCapturing(nullptr, &status) == cudaErrorStreamCaptureImplicit);
  cudaGraph_t graph = nullptr;
  CHECK(cudaStreamEndCapture(blocking, &graph) == cudaSuccess);  // not invalidated
  CHECK(cudaGraphDestroy(graph) == cudaSuccess);
  CHECK(cudaMemsetAsync(d, 0, sizeof(host), nullptr) == cudaSuccess);
  CHECK(cudaMemcpy(host, d, sizeof(host), cudaMemcpyDeviceToHost) == cudaSuccess && host[0] == 0.0f);
  CHECK(cudaFree(d) == cudaSuccess);
  CHECK(cudaStreamDestroy(blocking) == cudaSuccess);
}

// Planted defect: the graph outlives an allocation it was captured with; the replay reports it.
void replay_of_freed_buffer_is_caught(cudaStream_t s) {
  float* d = device_floats(4);
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) == cudaSuccess);
  emu::launch_kernel(add_kernel, 1, 4, s, d, int64_t(4), 1.0f);
  cudaGraph_t graph = nullptr;
  CHECK(cudaStreamEndCapture(s, &graph) == cudaSuccess);
  cudaGraphExec_t exec = nullptr;
  CHECK(cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess);
  CHECK(cudaGraphLaunch(exec, s) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);  // held: the replay is fine
  CHECK(cudaFree(d) == cudaSuccess);
  CHECK(cudaGraphLaunch(exec, s) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s) == cudaErrorIllegalAddress);
  const std::string detail = emu::error_detail(cudaErrorIllegalAddress);
  std::printf("replay of a freed buffer: %s\n", detail.c_str());
  CHECK(contains(detail, "graph replay of kernel") && contains(detail, "has been freed"));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);  // reported once
  CHECK(cudaGraphExecDestroy(exec) == cudaSuccess && cudaGraphDestroy(graph) == cudaSuccess);
}

}  // namespace

int main() {
  cudaStream_t s = nullptr;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  capture_records_and_replay_reruns(s);
  sync_and_alloc_during_capture_fail(s);
  legacy_stream_during_blocking_capture();
  replay_of_freed_buffer_is_caught(s);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
  return jdnn_test::checks_summary();
}
