// Deferred execution: per-stream queues of work in issue order, events as
// positions in a queue, and the synchronization calls that run queued work.
//
// Every item gets a global sequence number when issued. An event recorded on a
// stream stands for "every item of that stream issued before the record"; an item
// may depend on other streams up to a sequence number (cudaStreamWaitEvent, and the
// legacy default stream's implicit ordering with blocking streams), and those are
// run first. Work runs on the host thread that synchronizes, one item at a time
// (exec_mutex), so kernels never run concurrently with each other.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <exception>
#include <string>
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

struct Queue {
  bool blocking = false;  // created without cudaStreamNonBlocking: ordered with the legacy stream
  std::deque<Item> items;
};

struct EventState {
  std::shared_ptr<Queue> queue;  // null until recorded
  uint64_t bound = 0;            // complete once no item of queue below bound is left
  uint64_t generation = 0;       // of the latest record, so a stale record item sets no time
  std::chrono::steady_clock::time_point when;
  bool reached = false;  // the latest record executed
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

}  // namespace

struct CUstream_st {
  std::shared_ptr<Queue> queue;
};
struct CUevent_st {
  std::shared_ptr<EventState> state = std::make_shared<EventState>();
};

namespace jdnn::cuda::emu {

namespace {

std::shared_ptr<Queue> queue_of(cudaStream_t stream) { return stream == nullptr ? legacy_queue() : stream->queue; }

// Appends an item; the caller holds queue_mutex. Returns its sequence number.
uint64_t push(const std::shared_ptr<Queue>& q, std::string what, std::function<void()> work,
              std::vector<Dependency> deps) {
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

void execute(Item& item);

// Runs q's items issued before bound. The caller holds exec_mutex.
void drain(Queue& q, uint64_t bound) {
  for (;;) {
    Item item;
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      if (q.items.empty() || q.items.front().seq >= bound) return;
      item = std::move(q.items.front());
      q.items.pop_front();
    }
    execute(item);
  }
}

void execute(Item& item) {
  for (auto& d : item.deps) drain(*d.queue, d.bound);
  if (!item.work) return;
  try {
    item.work();
  } catch (const std::exception& e) {
    fail_work(cudaErrorLaunchFailure, item.what + " failed: " + e.what());
  }
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

void drain_all() {
  std::lock_guard<std::recursive_mutex> exec(exec_mutex);
  // Oldest first across streams, so the order is the issue order wherever no dependency says otherwise.
  for (;;) {
    std::shared_ptr<Queue> oldest;
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      auto consider = [&](const std::shared_ptr<Queue>& q) {
        if (q && !q->items.empty() && (!oldest || q->items.front().seq < oldest->items.front().seq)) oldest = q;
      };
      consider(legacy_queue());
      for (auto& weak : streams()) consider(weak.lock());
      if (!oldest) return;
    }
    drain(*oldest, oldest->items.front().seq + 1);
  }
}

void drain_stream(cudaStream_t stream) {
  std::lock_guard<std::recursive_mutex> exec(exec_mutex);
  drain(*queue_of(stream), UINT64_MAX);
}

void enqueue(cudaStream_t stream, const char* what, std::function<void()> work) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  push(queue_of(stream), what, std::move(work), {});
}

void enqueue_named(cudaStream_t stream, std::string what, std::function<void()> work) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  push(queue_of(stream), std::move(what), std::move(work), {});
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
  drain_stream(stream);
  return report_deferred(cudaSuccess);
}

// Later work of `stream` waits until the event's stream reached the event, as recorded now.
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(queue_mutex);
  const EventState& e = *event->state;
  if (e.queue == nullptr) return cudaSuccess;  // never recorded: nothing to wait for
  push(queue_of(stream), "cudaStreamWaitEvent", {}, {{e.queue, e.bound}});
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  drain_all();
  return report_deferred(cudaSuccess);
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  if (event == nullptr) return record_error(cudaErrorInvalidValue);
  *event = new CUevent_st();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;  // queued record items hold the state, not the handle
  return cudaSuccess;
}

// The event marks the stream's position; its time is taken when that position executes.
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(queue_mutex);
  std::shared_ptr<EventState> e = event->state;
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
    std::lock_guard<std::recursive_mutex> exec(exec_mutex);
    std::shared_ptr<Queue> q;
    uint64_t bound = 0;
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      q = event->state->queue;
      bound = event->state->bound;
    }
    if (q) drain(*q, bound);
  }
  return report_deferred(cudaSuccess);
}

// Not ready while work issued before the record is queued; each such query runs the oldest
// item of the event's stream, so a polling loop finishes after as many queries as items.
cudaError_t cudaEventQuery(cudaEvent_t event) {
  if (event == nullptr) return record_error(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::recursive_mutex> exec(exec_mutex);
  const EventState& e = *event->state;
  if (reached(e)) return report_deferred(cudaSuccess);
  std::shared_ptr<Queue> q;
  uint64_t next = 0;
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    q = e.queue;
    next = q->items.front().seq + 1;
  }
  drain(*q, next);
  return report_deferred(cudaErrorNotReady);
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (ms == nullptr) return record_error(cudaErrorInvalidValue);
  if (start == nullptr || end == nullptr) return record_error(cudaErrorInvalidResourceHandle);
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
