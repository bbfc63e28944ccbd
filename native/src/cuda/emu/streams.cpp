// Deferred execution: per-stream queues of work in issue order, events as
// positions in a queue, and the synchronization calls that run queued work.
//
// Every item gets a global sequence number when issued. An event recorded on a
// stream stands for "every item of that stream issued before the record"; an item
// may depend on other streams up to a sequence number (cudaStreamWaitEvent, and the
// legacy default stream's implicit ordering with blocking streams), and those are
// run first. Work runs on the host thread that synchronizes, one item at a time
// (exec_mutex), so kernels never run concurrently with each other.
//
// Order across streams is chosen to expose missing orderings: a synchronization runs only
// the work its target needs (the target's items and, through their waits, other streams' items
// up to the events waited for), and among the needed items whose stream predecessors and waits
// are done it always runs the one issued LAST. So two items on different streams that no event
// orders run in reverse issue order whenever both are ready: a copy queued on a second stream
// after compute work it should have waited for runs before that work, and work that should
// have waited for a copy but did not runs without it (the copy is not needed, so not run).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "cuda/emu/emu_internal.h"

namespace {

struct Queue;

// Run everything of `queue` issued before sequence number `bound` first.
struct Dependency {
  std::shared_ptr<Queue> queue;
  uint64_t bound;
};

struct Item {
  uint64_t seq = 0;
  std::string what;
  std::function<void()> work;  // empty for a pure ordering point (a wait, an event record)
  std::vector<Dependency> deps;
};

// Work recorded by a capture: what a graph node holds (kernel arguments by value, copy
// addresses), and the device allocations it uses, checked again at each replay.
struct Recorded {
  std::string what;
  std::vector<jdnn::cuda::emu::Span> uses;
  std::function<void()> work;
};

struct Capture {
  cudaStreamCaptureMode mode = cudaStreamCaptureModeGlobal;
  std::thread::id thread;
  bool stream_blocking = false;
  cudaError_t invalidated = cudaSuccess;  // the error that invalidated it
  std::string why;
  std::vector<Recorded> items;
};

struct Queue {
  bool blocking = false;  // created without cudaStreamNonBlocking: ordered with the legacy stream
  int device = 0;         // current on the creating thread (the legacy queue's is the caller's)
  std::deque<Item> items;
  std::shared_ptr<Capture> capture;  // while a capture is under way on this stream
};

struct EventState {
  int device = 0;                // current on the thread that created the event
  std::shared_ptr<Queue> queue;  // null until recorded
  uint64_t bound = 0;            // complete once no item of queue below bound is left
  uint64_t generation = 0;       // of the latest record, so a stale record item sets no time
  std::chrono::steady_clock::time_point when;
  bool reached = false;  // the latest record executed
  std::shared_ptr<Capture> captured;  // the capture the latest record was made in, if any
};

std::mutex queue_mutex;             // the queues, sequence numbers and the stream list
std::recursive_mutex exec_mutex;    // held while running queued work
uint64_t next_seq = 1;

std::vector<std::weak_ptr<Queue>>& streams() {
  static auto* list = new std::vector<std::weak_ptr<Queue>>();  // outlives static destruction
  return *list;
}

const std::shared_ptr<Queue>& legacy_queue() {
  static auto* q = new std::shared_ptr<Queue>(std::make_shared<Queue>());
  return *q;
}

// The failure raised by executed work, reported once by the next call that reports
// asynchronous errors.
std::mutex deferred_mutex;
cudaError_t deferred_error = cudaSuccess;
std::string deferred_detail;

thread_local cudaError_t last_error = cudaSuccess;
thread_local std::string last_detail;   // explains last_error
thread_local std::string taken_detail;  // explains the error last handed to the caller
thread_local cudaError_t taken_error = cudaSuccess;
thread_local const char* current_op = "";

// Captures under way (the calls a global-mode capture prohibits look at all of them).
std::vector<std::shared_ptr<Capture>>& captures() {
  static auto* list = new std::vector<std::shared_ptr<Capture>>();
  return *list;
}

}  // namespace

struct CUgraph_st {
  std::shared_ptr<const std::vector<Recorded>> items;
};
struct CUgraphExec_st {
  std::shared_ptr<const std::vector<Recorded>> items;
};

struct CUstream_st {
  std::shared_ptr<Queue> queue;
};
struct CUevent_st {
  std::shared_ptr<EventState> state = std::make_shared<EventState>();
};

namespace jdnn::cuda::emu {

namespace {

std::shared_ptr<Queue> queue_of(cudaStream_t stream) { return stream == nullptr ? legacy_queue() : stream->queue; }

// cudaErrorInvalidResourceHandle for a call given handles of two devices.
cudaError_t devices_differ(const char* call, const char* first, int a, const char* second, int b) {
  return record_error(cudaErrorInvalidResourceHandle,
                      std::string(call) + ": the " + first + " belongs to device " + std::to_string(a) + ", the " +
                          second + " to device " + std::to_string(b) +
                          " (CUDA Programming Guide, \"Stream and Event Behavior\": they must be of one device); "
                          "create both while the same device is current (cudaSetDevice on the calling thread)");
}

// The caller holds queue_mutex. Marks a capture invalid (the first reason stays).
void invalidate(Capture& c, cudaError_t error, const std::string& why) {
  if (c.invalidated != cudaSuccess) return;
  c.invalidated = error;
  c.why = why;
}

// The caller holds queue_mutex. A blocking stream's capture the legacy stream would depend on.
std::shared_ptr<Capture> blocking_capture() {
  for (auto& c : captures())
    if (c->stream_blocking) return c;
  return nullptr;
}

cudaError_t implicit_dependency(const std::string& call) {
  return record_error(cudaErrorStreamCaptureImplicit,
                      call + " on the legacy default stream while a blocking stream is capturing: the legacy "
                             "stream would depend on the capture; use the capturing stream or a non-blocking one");
}

// Appends an item; the caller holds queue_mutex. Returns its sequence number, 0 when the item was
// recorded by the stream's capture instead, or refused (use of the legacy stream during a capture).
uint64_t push(const std::shared_ptr<Queue>& q, std::string what, std::function<void()> work,
              std::vector<Dependency> deps, std::vector<Span> uses = {}) {
  if (q->capture) {
    if (work) q->capture->items.push_back(Recorded{std::move(what), std::move(uses), std::move(work)});
    return 0;
  }
  if (q == legacy_queue() && blocking_capture()) {
    implicit_dependency(what);
    return 0;
  }
  Item item{next_seq++, std::move(what), std::move(work), std::move(deps)};
  // The legacy default stream waits for all blocking streams' earlier work, and they for its.
  if (q == legacy_queue()) {
    for (auto& weak : streams())
      if (auto other = weak.lock(); other && other->blocking) item.deps.push_back({other, item.seq});
  } else if (q->blocking) {
    item.deps.push_back({legacy_queue(), item.seq});
  }
  q->items.push_back(std::move(item));
  return next_seq - 1;
}

void execute(Item& item) {
  if (!item.work) return;
  try {
    item.work();
  } catch (const std::exception& e) {
    fail_work(cudaErrorLaunchFailure, item.what + " failed: " + e.what());
  }
}

// A queue and the sequence number below which its items must run.
struct Need {
  std::shared_ptr<Queue> queue;
  uint64_t bound;
  uint64_t scanned;  // items below this were looked at for dependencies
};

// The caller holds queue_mutex. Raises need[q] to bound (adding q when absent).
bool raise(std::vector<Need>& need, const std::shared_ptr<Queue>& q, uint64_t bound) {
  for (Need& n : need) {
    if (n.queue != q) continue;
    if (bound <= n.bound) return false;
    n.bound = bound;
    return true;
  }
  need.push_back({q, bound, 0});
  return true;
}

// The caller holds queue_mutex. Closes the targets over the dependencies of their items: every
// item a needed item waits for is needed too.
void close_over_dependencies(std::vector<Need>& need) {
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < need.size(); ++i) {
      for (const Item& item : need[i].queue->items) {
        if (item.seq >= need[i].bound) break;
        if (item.seq < need[i].scanned) continue;
        for (const Dependency& d : item.deps) changed |= raise(need, d.queue, d.bound);
      }
      need[i].scanned = need[i].bound;
    }
  }
}

bool done_below(const Queue& q, uint64_t bound) { return q.items.empty() || q.items.front().seq >= bound; }

// Runs, one item at a time, the work the targets need (see the top of this file), the youngest
// ready item first; at most `limit` items. The caller holds exec_mutex. The oldest needed item is
// always ready (everything it waits for was issued before it), so this ends.
void run_needed(std::vector<Need> need, size_t limit = SIZE_MAX) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    close_over_dependencies(need);
  }
  for (size_t ran = 0; ran < limit; ++ran) {
    Item item;
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      Queue* pick = nullptr;
      for (const Need& n : need) {
        Queue& q = *n.queue;
        if (done_below(q, n.bound)) continue;
        const Item& front = q.items.front();
        bool ready = true;
        for (const Dependency& d : front.deps) ready = ready && done_below(*d.queue, d.bound);
        if (ready && (pick == nullptr || front.seq > pick->items.front().seq)) pick = &q;
      }
      if (pick == nullptr) return;  // every target reached its bound
      item = std::move(pick->items.front());
      pick->items.pop_front();
    }
    execute(item);
  }
}

// Runs what q's items issued before bound need. The caller holds exec_mutex.
void drain(const std::shared_ptr<Queue>& q, uint64_t bound) { run_needed({{q, bound, 0}}); }

// The next sequence number: work issued from now on is not waited for by a synchronization begun now.
uint64_t issued_so_far() {
  std::lock_guard<std::mutex> lock(queue_mutex);
  return next_seq;
}

bool reached(const EventState& e) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  return e.queue == nullptr || e.queue->items.empty() || e.queue->items.front().seq >= e.bound;
}

// Returns the deferred error when one is pending (and hands it to the calling thread).
cudaError_t report_deferred(cudaError_t otherwise) {
  const cudaError_t e = take_deferred_error();
  return e != cudaSuccess ? e : otherwise;
}

}  // namespace

int stream_device(cudaStream_t stream) {
  // The legacy stream: one queue serves every device (stricter ordering than a GPU's one per device,
  // which hides no defect of a backend bound to one device).
  return stream == nullptr ? current_device() : stream->queue->device;
}

void drain_all() {
  std::lock_guard<std::recursive_mutex> exec(exec_mutex);
  std::vector<Need> need;
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    need.push_back({legacy_queue(), next_seq, 0});
    for (auto& weak : streams())
      if (auto q = weak.lock()) need.push_back({q, next_seq, 0});
  }
  run_needed(std::move(need));
}

void drain_stream(cudaStream_t stream) {
  std::lock_guard<std::recursive_mutex> exec(exec_mutex);
  drain(queue_of(stream), issued_so_far());
}

void enqueue(cudaStream_t stream, const char* what, std::function<void()> work) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  push(queue_of(stream), what, std::move(work), {});
}

void enqueue_named(cudaStream_t stream, std::string what, std::function<void()> work) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  push(queue_of(stream), std::move(what), std::move(work), {});
}

void enqueue_using(cudaStream_t stream, std::string what, std::vector<Span> uses, std::function<void()> work) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  push(queue_of(stream), std::move(what), std::move(work), {}, std::move(uses));
}

cudaError_t check_legacy_use(cudaStream_t stream, const char* call) {
  if (stream != nullptr) return cudaSuccess;
  std::lock_guard<std::mutex> lock(queue_mutex);
  return blocking_capture() ? implicit_dependency(call) : cudaSuccess;
}

bool stream_capturing(cudaStream_t stream) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  return queue_of(stream)->capture != nullptr;
}

cudaError_t refuse_in_capture(cudaStream_t stream, const std::string& call, const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (auto& c = queue_of(stream)->capture) invalidate(*c, cudaErrorStreamCaptureUnsupported, call + ": " + why);
  }
  return record_error(cudaErrorStreamCaptureUnsupported,
                      call + " on a capturing stream: " + why + "; the capture is invalidated");
}

cudaError_t check_capture_allows(const char* call) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  bool prohibited = false;
  for (auto& c : captures()) {
    const bool applies = c->mode == cudaStreamCaptureModeGlobal ||
                         (c->mode == cudaStreamCaptureModeThreadLocal && c->thread == std::this_thread::get_id());
    if (!applies) continue;
    prohibited = true;
    invalidate(*c, cudaErrorStreamCaptureUnsupported, std::string(call) + " during the capture");
  }
  if (!prohibited) return cudaSuccess;
  return record_error(cudaErrorStreamCaptureUnsupported,
                      std::string(call) + " while a stream is capturing a graph (global capture mode prohibits it, "
                                          "since the graph would not replay it): allocate before the capture; the "
                                          "capture is invalidated");
}

void fail_work(cudaError_t error, const std::string& detail) {
  std::lock_guard<std::mutex> lock(deferred_mutex);
  if (deferred_error != cudaSuccess) return;  // the first failure explains the rest
  deferred_error = error;
  deferred_detail = detail;
}

cudaError_t take_deferred_error() {
  std::lock_guard<std::mutex> lock(deferred_mutex);
  const cudaError_t e = deferred_error;
  if (e != cudaSuccess) {
    last_error = e;
    last_detail = deferred_detail + " (reported by the next call after it ran)";
    taken_detail = last_detail;
    taken_error = e;
    deferred_error = cudaSuccess;
    deferred_detail.clear();
  }
  return e;
}

cudaError_t record_error(cudaError_t error, std::string detail) {
  if (error != cudaSuccess) {
    last_error = error;
    last_detail = detail;
    taken_detail = std::move(detail);
    taken_error = error;
  }
  return error;
}

void set_launch_error(cudaError_t error) { record_error(error); }

std::string error_detail(cudaError_t error) { return error == taken_error ? taken_detail : std::string(); }

void set_current_op(const char* name) { current_op = name != nullptr ? name : ""; }

const char* current_op_name() { return current_op; }

}  // namespace jdnn::cuda::emu

using namespace jdnn::cuda::emu;

cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, 0); }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags) {
  if (stream == nullptr) return record_error(cudaErrorInvalidValue);
  auto q = std::make_shared<Queue>();
  q->blocking = (flags & cudaStreamNonBlocking) == 0;
  q->device = current_device();
  std::lock_guard<std::mutex> lock(queue_mutex);
  auto& list = streams();
  list.erase(std::remove_if(list.begin(), list.end(), [](const std::weak_ptr<Queue>& w) { return w.expired(); }),
             list.end());
  list.push_back(q);
  *stream = new CUstream_st{q};
  return cudaSuccess;
}

// The documented behaviour lets queued work finish after the call; running it now is one
// order a GPU could take, and leaves no work behind that names a stream that is gone.
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (stream == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  drain_stream(stream);
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (stream_capturing(stream))
    return refuse_in_capture(stream, "cudaStreamSynchronize", "the host cannot wait for work that is only recorded");
  if (stream == nullptr) {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (blocking_capture()) return implicit_dependency("cudaStreamSynchronize");
  }
  drain_stream(stream);
  return report_deferred(cudaSuccess);
}

// Later work of `stream` waits until the event's stream reached the event, as recorded now.
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(queue_mutex);
  const EventState& e = *event->state;
  if (auto& c = queue_of(stream)->capture) {
    if (e.captured == c) return cudaSuccess;  // recorded earlier in the same one-stream capture: in order already
    invalidate(*c, cudaErrorStreamCaptureUnsupported, "cudaStreamWaitEvent on another stream's event");
    return record_error(cudaErrorStreamCaptureUnsupported,
                        "cudaStreamWaitEvent: a capturing stream waiting on an event of another stream (a "
                        "multi-stream capture) is not emulated; the capture is invalidated");
  }
  if (e.captured) return record_error(cudaErrorCapturedEvent, "cudaStreamWaitEvent: the event was recorded in a capture");
  if (e.queue == nullptr) return cudaSuccess;  // never recorded: nothing to wait for
  push(queue_of(stream), "cudaStreamWaitEvent", {}, {{e.queue, e.bound}});
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (!captures().empty()) {
      for (auto& c : captures()) invalidate(*c, cudaErrorStreamCaptureUnsupported, "cudaDeviceSynchronize");
      return record_error(cudaErrorStreamCaptureUnsupported,
                          "cudaDeviceSynchronize while a stream is capturing a graph: the host cannot wait for "
                          "work that is only recorded; the capture is invalidated");
    }
  }
  drain_all();
  return report_deferred(cudaSuccess);
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  if (event == nullptr) return record_error(cudaErrorInvalidValue);
  *event = new CUevent_st();
  (*event)->state->device = current_device();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;  // queued record items hold the state, not the handle
  return cudaSuccess;
}

// The event marks the stream's position; its time is taken when that position executes.
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  if (event->state->device != stream_device(stream))
    return devices_differ("cudaEventRecord", "event", event->state->device, "stream", stream_device(stream));
  std::lock_guard<std::mutex> lock(queue_mutex);
  std::shared_ptr<EventState> e = event->state;
  if (auto& c = queue_of(stream)->capture) {  // a graph node: marks a position in the capture only
    e->captured = c;
    return cudaSuccess;
  }
  if (queue_of(stream) == legacy_queue() && blocking_capture()) return implicit_dependency("cudaEventRecord");
  e->captured = nullptr;
  const uint64_t generation = ++e->generation;
  e->reached = false;
  e->queue = queue_of(stream);
  const uint64_t seq = push(e->queue, "cudaEventRecord", [e, generation] {
    if (e->generation != generation) return;
    e->when = std::chrono::steady_clock::now();
    e->reached = true;
  }, {});
  e->bound = seq + 1;
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (event->state->captured)
      return record_error(cudaErrorCapturedEvent, std::string("cudaEventSynchronize") +
                                                      ": the event was last recorded in a capturing stream, so no "
                                                      "host can wait for it");
  }
  {
    std::lock_guard<std::recursive_mutex> exec(exec_mutex);
    std::shared_ptr<Queue> q;
    uint64_t bound = 0;
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      q = event->state->queue;
      bound = event->state->bound;
    }
    if (q) drain(q, bound);
  }
  return report_deferred(cudaSuccess);
}

// Not ready while work issued before the record is queued; each such query runs one item the
// event needs, so a polling loop finishes after as many queries as items.
cudaError_t cudaEventQuery(cudaEvent_t event) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (event->state->captured)
      return record_error(cudaErrorCapturedEvent, std::string("cudaEventQuery") +
                                                      ": the event was last recorded in a capturing stream, so no "
                                                      "host can wait for it");
  }
  std::lock_guard<std::recursive_mutex> exec(exec_mutex);
  const EventState& e = *event->state;
  if (reached(e)) return report_deferred(cudaSuccess);
  std::shared_ptr<Queue> q;
  uint64_t bound = 0;
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    q = e.queue;
    bound = e.bound;
  }
  run_needed({{q, bound, 0}}, 1);
  return report_deferred(cudaErrorNotReady);
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (ms == nullptr) return record_error(cudaErrorInvalidValue);
  if (start == nullptr || end == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  if (start->state->device != end->state->device)
    return devices_differ("cudaEventElapsedTime", "start event", start->state->device, "end event", end->state->device);
  std::lock_guard<std::recursive_mutex> exec(exec_mutex);
  const EventState &a = *start->state, &b = *end->state;
  if (a.queue == nullptr || b.queue == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  if (!a.reached || !b.reached) return cudaErrorNotReady;  // documented: either not completed
  *ms = std::chrono::duration<float, std::milli>(b.when - a.when).count();
  return cudaSuccess;
}

cudaError_t cudaGetLastError() {
  take_deferred_error();
  const cudaError_t e = last_error;
  last_error = cudaSuccess;
  if (e != cudaSuccess) {
    taken_detail = last_detail;
    taken_error = e;
  }
  return e;
}

cudaError_t cudaPeekAtLastError() {
  take_deferred_error();
  return last_error;
}


// ---- stream capture and graphs ---------------------------------------------------

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  if (stream == nullptr)
    return record_error(cudaErrorStreamCaptureUnsupported, "cudaStreamBeginCapture: the legacy stream cannot capture");
  if (mode < cudaStreamCaptureModeGlobal || mode > cudaStreamCaptureModeRelaxed) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = take_deferred_error(); e != cudaSuccess) return e;
  std::lock_guard<std::mutex> lock(queue_mutex);
  auto& q = stream->queue;
  if (q->capture) return record_error(cudaErrorIllegalState, "cudaStreamBeginCapture: the stream is capturing already");
  auto c = std::make_shared<Capture>();
  c->mode = mode;
  c->thread = std::this_thread::get_id();
  c->stream_blocking = q->blocking;
  q->capture = c;
  captures().push_back(c);
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  if (graph == nullptr) return record_error(cudaErrorInvalidValue);
  if (stream == nullptr) return record_error(cudaErrorIllegalState, "cudaStreamEndCapture: the legacy stream never captures");
  std::lock_guard<std::mutex> lock(queue_mutex);
  auto& q = stream->queue;
  if (!q->capture) return record_error(cudaErrorIllegalState, "cudaStreamEndCapture: the stream is not capturing");
  std::shared_ptr<Capture> c = q->capture;
  if (c->mode != cudaStreamCaptureModeRelaxed && c->thread != std::this_thread::get_id())
    return record_error(cudaErrorStreamCaptureWrongThread,
                        "cudaStreamEndCapture: the capture began on another thread (not in relaxed mode)");
  q->capture = nullptr;
  auto& list = captures();
  list.erase(std::remove(list.begin(), list.end(), c), list.end());
  if (c->invalidated != cudaSuccess) {
    *graph = nullptr;
    return record_error(cudaErrorStreamCaptureInvalidated,
                        "cudaStreamEndCapture: the capture was invalidated by " + c->why + " (" +
                            cudaGetErrorName(c->invalidated) + ")");
  }
  *graph = new CUgraph_st{std::make_shared<const std::vector<Recorded>>(std::move(c->items))};
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  if (status == nullptr) return record_error(cudaErrorInvalidValue);
  std::lock_guard<std::mutex> lock(queue_mutex);
  if (stream == nullptr) {
    if (blocking_capture()) return implicit_dependency("cudaStreamIsCapturing");
    *status = cudaStreamCaptureStatusNone;
    return cudaSuccess;
  }
  const auto& c = stream->queue->capture;
  *status = !c ? cudaStreamCaptureStatusNone
               : c->invalidated != cudaSuccess ? cudaStreamCaptureStatusInvalidated : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (exec == nullptr) return record_error(cudaErrorInvalidValue);
  if (graph == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  *exec = new CUgraphExec_st{graph->items};
  return cudaSuccess;
}

// Queues the recorded work again, in order; each item first checks that the allocations it
// was recorded with are still held, since a graph replays addresses, not tensors.
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (exec == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  if (const cudaError_t e = take_deferred_error(); e != cudaSuccess) return e;
  std::lock_guard<std::mutex> lock(queue_mutex);
  const auto& q = queue_of(stream);
  if (q->capture) {
    invalidate(*q->capture, cudaErrorStreamCaptureUnsupported, "cudaGraphLaunch");
    return record_error(cudaErrorStreamCaptureUnsupported,
                        "cudaGraphLaunch into a capturing stream (a child graph) is not emulated");
  }
  if (q == legacy_queue() && blocking_capture()) return implicit_dependency("cudaGraphLaunch");
  for (const Recorded& r : *exec->items) {
    push(q, "graph replay of " + r.what, [&r, items = exec->items] {
      for (const Span& s : r.uses) {
        if (block_held(s)) continue;
        fail_work(cudaErrorIllegalAddress,
                  "graph replay of " + r.what + ": the device allocation at " +
                      std::to_string(reinterpret_cast<uintptr_t>(s.base)) + " (" + std::to_string(s.bytes) +
                      " bytes) it was captured with has been freed; keep what a graph uses alive while it lives");
        return;
      }
      r.work();
    }, {});
  }
  return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;  // queued replays hold the recorded work
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}
