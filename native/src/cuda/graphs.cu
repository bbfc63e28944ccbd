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

// Per-replay constants (graph_constants). Captured kernels read their step's constants from a fixed
// slot; a table beside it holds the constants of the next kTableRows replays at most, and a tick kernel
// captured as the graph's last node copies the next replay's row into the slot and counts the replay.
// So the host writes constants once every rows() replays (a few launches), not before every replay,
// and a graph step is one launch. Layout of the one device block, allocated before the capture since
// CUDA forbids cudaMalloc during it: [replay counter: 2 words][slot: kSlotWords][table: kTableWords].
// The slot holds Adam's two constants for 2,048 float32 or 1,024 float64 parameters.
constexpr size_t kSlotWords = 4096;
constexpr size_t kTableWords = 7168;  // eight write launches of kChunkWords
constexpr int64_t kTableRows = 512;
constexpr size_t kCounterWords = 2;
constexpr size_t kConstantBytes = (kCounterWords + kSlotWords + kTableWords) * sizeof(uint32_t);

struct Reservation {
  size_t offset;
  size_t bytes;
  size_t source;  // index into Graph::sources
  std::function<void(int64_t, void*)> fill;
};

// A host value that each replay advances by `stride` (an optimizer's step count, a generator's Philox
// offset), so that replay r's constants follow from value + (r - replay) * stride. graph_rebase moves
// it when the host advanced it otherwise (an eager step between replays).
struct Source {
  SourceKind kind;
  int64_t key;
  int64_t value;
  int64_t replay = 0;
  int64_t stride = 0;
  bool stride_set = false;
};

struct Graph {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  int64_t pool = 0;
  void* constants = nullptr;  // kConstantBytes on the device
  size_t constants_used = 0;  // bytes of the slot reserved, a multiple of 8
  std::vector<Reservation> reservations;
  std::vector<Source> sources;
  int64_t replays = 0;
  int64_t table_until = 0;  // the table holds the rows of replays up to this one (exclusive)
  bool stale = true;        // the slot and table must be written before the next replay

  size_t row_words() const { return constants_used / sizeof(uint32_t); }
  int64_t rows() const { return std::max<int64_t>(1, std::min<int64_t>(kTableRows, kTableWords / row_words())); }
  uint32_t* counter() const { return static_cast<uint32_t*>(constants); }
  uint32_t* slot() const { return counter() + kCounterWords; }
  uint32_t* table() const { return slot() + kSlotWords; }
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

// The graph's last node: replay r (the counter) is done; copy row (r + 1) mod rows into the slot for
// the next replay, and count. One thread: a row is a few hundred words, and the counter must be read
// before it is written.
__global__ void graph_tick_kernel(int64_t* counter, uint32_t* slot, const uint32_t* table, int64_t row_words,
                                  int64_t rows) {
  JDNN_KERNEL_LOOP(unused, 1) {
    const int64_t next = *counter + 1;
    const uint32_t* row = table + (next % rows) * row_words;
    for (int64_t i = 0; i < row_words; ++i) slot[i] = row[i];
    *counter = next;
  }
}

// Writes host words to dst with one launch per kChunkWords.
void write_words(const std::vector<uint32_t>& host, uint32_t* dst, cudaStream_t s) {
  for (size_t first = 0; first < host.size(); first += kChunkWords) {
    ConstantChunk chunk{};
    chunk.words = static_cast<int64_t>(std::min<size_t>(kChunkWords, host.size() - first));
    std::memcpy(chunk.word, host.data() + first, static_cast<size_t>(chunk.words) * sizeof(uint32_t));
    launch_n(write_constants_kernel, chunk.words, s, dst + first, chunk);
  }
}

// replay's constants, every reservation filled, into row (row_words words).
void fill_row(const Graph& g, int64_t replay, uint32_t* row) {
  for (const Reservation& r : g.reservations) {
    const Source& src = g.sources[r.source];
    r.fill(src.value + (replay - src.replay) * src.stride, reinterpret_cast<char*>(row) + r.offset);
  }
}

// Before replay g.replays: when the table has no row left for the tick at its end (every rows()
// replays), writes the rows of the next rows() replays; when stale (the first replay, or after
// graph_rebase), the counter, the slot and those rows. Each write is ordered on the stream
// after the ticks that read the rows it replaces. Nothing when the graph has no constants.
void write_constants(Graph& g, cudaStream_t s) {
  if (g.reservations.empty()) return;
  const int64_t r = g.replays, rows = g.rows();
  const size_t w = g.row_words();
  if (!g.stale && r + 1 < g.table_until) return;
  std::vector<uint32_t> table(static_cast<size_t>(rows) * w, 0);
  for (int64_t i = 1; i <= rows; ++i) fill_row(g, r + i, table.data() + static_cast<size_t>((r + i) % rows) * w);
  if (g.stale) {
    std::vector<uint32_t> head(kCounterWords + w, 0);  // the counter, then the slot's used words
    std::memcpy(head.data(), &r, sizeof r);
    fill_row(g, r, head.data() + kCounterWords);
    write_words(head, g.counter(), s);
    g.stale = false;
  }
  write_words(table, g.table(), s);
  g.table_until = r + 1 + rows;
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

bool same_source(const Source& s, SourceKind kind, int64_t key) { return s.kind == kind && s.key == key; }

int64_t graph_source_value(SourceKind kind, int64_t key, int64_t value) {
  for (const Source& src : g_building.sources) {
    if (same_source(src, kind, key)) return src.value;
  }
  return value;
}

void* graph_constants(size_t bytes, SourceKind kind, int64_t key, int64_t value, int64_t stride,
                      std::function<void(int64_t value, void* host)> fill) {
  JDNN_CHECK(graph_capturing(), "graph_constants: no CUDA graph is being captured");
  const size_t aligned = (bytes + 7) / 8 * 8;
  if (g_building.constants_used + aligned > kSlotWords * sizeof(uint32_t)) {
    fail_as(ErrorKind::DEVICE, "a captured CUDA graph needs more than ", kSlotWords * sizeof(uint32_t),
            " bytes of per-step constants (", g_building.constants_used + aligned,
            " bytes asked): too many parameters for one captured step; put fewer parameters in one optimizer, or "
            "train eagerly");
  }
  size_t source = 0;
  while (source < g_building.sources.size() && !same_source(g_building.sources[source], kind, key)) ++source;
  if (source == g_building.sources.size()) {
    Source src{kind, key, value};
    if (stride != 0) {
      src.stride = stride;
      src.stride_set = true;
    }
    g_building.sources.push_back(src);
  }
  Reservation r{g_building.constants_used, bytes, source, std::move(fill)};
  g_building.constants_used += aligned;
  g_building.reservations.push_back(std::move(r));
  return reinterpret_cast<char*>(g_building.slot()) + g_building.reservations.back().offset;
}

void CudaBackend::graph_source_stride(int64_t key, int64_t stride) {
  JDNN_CUDA_OP("graph_source_stride");
  JDNN_CHECK(graph_capturing(), "graph_source_stride: no CUDA graph is being captured");
  for (Source& src : g_building.sources) {
    if (same_source(src, SourceKind::kPhilox, key)) {
      src.stride = stride;
      src.stride_set = true;
      return;
    }
  }
  fail_as(ErrorKind::ARGUMENT, "graph_source_stride: the captured step drew no dropout mask from a generator of seed ",
          key);
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
  for (const Source& src : g_building.sources) {
    JDNN_CHECK(src.stride_set, "graph_end: the per-replay advance of the Philox offset of seed ", src.key,
               " was never given (graph_source_stride)");
  }
  if (!g_building.reservations.empty()) {
    // Captured as the graph's last node (before the capture ends, so still recorded).
    launch_n(graph_tick_kernel, 1, ctx.stream, reinterpret_cast<int64_t*>(g_building.counter()), g_building.slot(),
             g_building.table(), static_cast<int64_t>(g_building.row_words()), g_building.rows());
  }
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
  write_constants(it->second, ctx.stream);  // counted: one launch per chunk, every rows() replays
  JDNN_CUDA_CHECK(cudaGraphLaunch(it->second.exec, ctx.stream));
  count(counters().launches);  // the whole graph is one launch
  ++it->second.replays;
  ctx.errors.note_replay();
}

void CudaBackend::graph_rebase(int64_t id, int kind, int64_t key, int64_t value) {
  JDNN_CUDA_OP("graph_rebase");
  auto it = graphs().find(id);
  JDNN_CHECK(it != graphs().end(), "graph_rebase: no CUDA graph ", id, " (destroyed, or never made)");
  Graph& g = it->second;
  JDNN_CHECK(kind == 0 || kind == 1, "graph_rebase: source kind ", kind, " is neither 0 (optimizer steps) nor 1 (Philox)");
  for (Source& src : g.sources) {
    if (same_source(src, static_cast<SourceKind>(kind), key)) {
      src.value = value;
      src.replay = g.replays;
      g.stale = true;  // the slot and the table hold constants from the old value
      return;
    }
  }
  // No constants follow this source (an SGD step's count): nothing to recompute.
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
