// CUDA graphs: the ops issued on the compute stream between graph_begin and graph_end are
// captured into a graph (recorded, not run); graph_launch replays them as one launch, in order, with
// the addresses and kernel arguments of the capture; graph_destroy releases the graph and its
// private memory pool. Used by org.jdnn.tensor.CudaGraph (docs/architecture.md, "CUDA graphs").
//
// The capture is global-mode (CUDA Runtime API, cudaStreamBeginCapture): no allocation from the
// system may happen meanwhile, so the caching allocator serves captured work from blocks it already
// holds (a warm-up step fills its cache), and those blocks, with every block freed during the
// capture, form the graph's private pool: never handed to other work while the graph lives, since a
// replay writes them again. A host wait during the capture (wait_for_stream / wait_for_event) fails
// with sync_during_capture's message; the caller then ends the capture and destroys what it made.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cuda/context.h"
#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

namespace {

std::atomic<bool> g_capturing{false};

// The per-replay constant buffer (graph_constants): allocated before the capture starts, since
// CUDA forbids cudaMalloc during it; 16 KiB holds Adam's two constants for 2,048 float32 or 1,024
// float64 parameters.
constexpr size_t kConstantBytes = 16384;

struct Reservation {
  size_t offset;
  size_t bytes;
  std::function<void(int64_t, void*)> fill;
};

struct Graph {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  int64_t pool = 0;
  void* constants = nullptr;  // kConstantBytes on the device
  size_t constants_used = 0;
  std::vector<Reservation> reservations;
  int64_t replays = 0;
};

// The graph being captured (its constants), under the context's op lock.
Graph g_building;

// Up to kChunkWords 32-bit words of constants, passed by value so the write needs no upload.
constexpr int kChunkWords = 896;
struct ConstantChunk {
  int64_t words;
  uint32_t word[kChunkWords];
};

__global__ void write_constants_kernel(uint32_t* dst, ConstantChunk c) {
  JDNN_KERNEL_LOOP(i, c.words) { dst[i] = c.word[i]; }
}

// Fills each reservation with replay g.replays's values and writes them before the graph runs: one
// launch per kChunkWords words (one for up to 448 float32 Adam parameters).
void write_constants(Graph& g, cudaStream_t s) {
  if (g.reservations.empty()) return;
  std::vector<uint32_t> host(g.constants_used / sizeof(uint32_t), 0);
  for (const Reservation& r : g.reservations) {
    r.fill(g.replays, reinterpret_cast<char*>(host.data()) + r.offset);
  }
  for (size_t first = 0; first < host.size(); first += kChunkWords) {
    ConstantChunk chunk{};
    chunk.words = static_cast<int64_t>(std::min<size_t>(kChunkWords, host.size() - first));
    std::memcpy(chunk.word, host.data() + first, static_cast<size_t>(chunk.words) * sizeof(uint32_t));
    launch_n(write_constants_kernel, chunk.words, s, static_cast<uint32_t*>(g.constants) + first, chunk);
  }
}

void free_constants(Context& ctx, Graph& g) {
  if (g.constants != nullptr) ctx.allocator.deallocate(g.constants, kConstantBytes);
  g.constants = nullptr;
}

// Under the context's op lock.
std::unordered_map<int64_t, Graph>& graphs() {
  static auto* map = new std::unordered_map<int64_t, Graph>();  // outlives static destruction
  return *map;
}
int64_t next_graph = 1;

}  // namespace

bool graph_capturing() { return g_capturing.load(std::memory_order_relaxed); }

// Only throws: it may run under the allocator's lock (before_release). The capture stays open
// until its caller ends it (org.jdnn.tensor.CudaGraph ends and destroys it when the step throws).
void sync_during_capture(const char* what) {
  fail_as(ErrorKind::DEVICE, "a host synchronization (", what,
          ") was attempted while capturing a CUDA graph: the captured step must not read a tensor to the host, "
          "call Device.synchronize() or Device.checkErrors(), log a loss or take a metric; do those outside the "
          "captured step (between replays)");
}

void* graph_constants(size_t bytes, std::function<void(int64_t replay, void* host)> fill) {
  JDNN_CHECK(graph_capturing(), "graph_constants: no CUDA graph is being captured");
  const size_t aligned = (bytes + 7) / 8 * 8;
  if (g_building.constants_used + aligned > kConstantBytes) {
    fail_as(ErrorKind::DEVICE, "a captured CUDA graph needs more than ", kConstantBytes,
            " bytes of per-step optimizer constants (", g_building.constants_used + aligned,
            " bytes asked): too many parameters for one captured step; put fewer parameters in one optimizer, or "
            "train eagerly");
  }
  Reservation r{g_building.constants_used, bytes, std::move(fill)};
  g_building.constants_used += aligned;
  g_building.reservations.push_back(std::move(r));
  return static_cast<char*>(g_building.constants) + g_building.reservations.back().offset;
}

void DeviceAllocator::capture_needs_system_block(size_t bytes) {
  fail_as(ErrorKind::DEVICE, "a device allocation of ", bytes,
          " bytes (cudaMalloc) was needed while capturing a CUDA graph, where CUDA forbids it: run at least one "
          "eager warm-up step of the same shapes before the capture so the allocator's cache holds every block "
          "the step needs");
}

void CudaBackend::graph_begin() {
  JDNN_CUDA_OP("graph_begin");
  Context& ctx = jdnn_op.ctx;
  JDNN_CHECK(!graph_capturing(), "graph_begin: a CUDA graph is being captured already; end it first");
  JDNN_CHECK(!ctx.profiling,
             "graph_begin: the op profiler (\"profile\" option) times ops with events the host waits for, "
             "which a CUDA graph cannot hold; turn profiling off before capturing");
  free_constants(ctx, g_building);
  g_building = Graph{};
  g_building.constants = ctx.allocator.allocate_fresh(kConstantBytes);  // the cache's blocks are the step's
  const cudaError_t began = cudaStreamBeginCapture(ctx.stream, cudaStreamCaptureModeGlobal);
  if (began != cudaSuccess) {
    free_constants(ctx, g_building);
    runtime_failure(began, "cudaStreamBeginCapture(ctx.stream, cudaStreamCaptureModeGlobal)", __FILE__, __LINE__);
  }
  ctx.allocator.begin_pool();
  g_capturing = true;
}

int64_t CudaBackend::graph_end() {
  JDNN_CUDA_OP("graph_end");
  Context& ctx = jdnn_op.ctx;
  JDNN_CHECK(graph_capturing(), "graph_end: no CUDA graph is being captured");
  g_capturing = false;
  Graph g = std::move(g_building);
  g_building = Graph{};
  g.pool = ctx.allocator.capturing_pool();
  ctx.allocator.end_pool();
  const cudaError_t ended = cudaStreamEndCapture(ctx.stream, &g.graph);
  if (ended != cudaSuccess) {
    ctx.allocator.release_pool(g.pool);
    free_constants(ctx, g);
    runtime_failure(ended, "cudaStreamEndCapture(ctx.stream, &g.graph)", __FILE__, __LINE__);
  }
  const cudaError_t made = cudaGraphInstantiate(&g.exec, g.graph, 0);
  if (made != cudaSuccess) {
    cudaGraphDestroy(g.graph);
    ctx.allocator.release_pool(g.pool);
    free_constants(ctx, g);
    runtime_failure(made, "cudaGraphInstantiate(&g.exec, g.graph, 0)", __FILE__, __LINE__);
  }
  const int64_t id = next_graph++;
  graphs()[id] = std::move(g);
  return id;
}

void CudaBackend::graph_launch(int64_t id) {
  JDNN_CUDA_OP("graph_launch");
  Context& ctx = jdnn_op.ctx;
  auto it = graphs().find(id);
  JDNN_CHECK(it != graphs().end(), "graph_launch: no CUDA graph ", id, " (destroyed, or never made)");
  JDNN_CHECK(!graph_capturing(), "graph_launch: a CUDA graph is being captured; a graph cannot replay inside one");
  write_constants(it->second, ctx.stream);  // counted: one launch per chunk of constants
  JDNN_CUDA_CHECK(cudaGraphLaunch(it->second.exec, ctx.stream));
  count(counters().launches);  // the whole graph is one launch
  ++it->second.replays;
  ctx.errors.note_replay();
}

// The pool's blocks go back to the shared cache: later work is ordered after queued replays on the
// same stream, as for any block freed to the cache.
void CudaBackend::graph_destroy(int64_t id) {
  JDNN_CUDA_OP("graph_destroy");
  Context& ctx = jdnn_op.ctx;
  auto it = graphs().find(id);
  if (it == graphs().end()) return;
  Graph g = std::move(it->second);
  graphs().erase(it);
  free_constants(ctx, g);
  JDNN_CUDA_CHECK(cudaGraphExecDestroy(g.exec));
  JDNN_CUDA_CHECK(cudaGraphDestroy(g.graph));
  ctx.allocator.release_pool(g.pool);
}

}  // namespace jdnn::cuda
