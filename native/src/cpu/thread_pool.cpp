// A small fork-join pool for parallel_for.
//
// Design notes (why it looks like this):
//  * Workers block on a condition variable. The machine may be shared with other processes, and
//    threads that spin while idle steal cycles from them, so workers only spin for a few
//    microseconds after a job (cheap latency win for back-to-back calls) before sleeping.
//  * Chunks are claimed through an atomic counter by whoever gets there first, the caller
//    included. The caller keeps claiming until none are left, so a job always completes even if
//    workers are slow to wake, fail to start, or are being shut down at process exit.
//  * The pool state is heap-allocated and never freed: a call that arrives during or after static
//    destruction (e.g. a JVM thread still running at exit) sees a stopped pool and runs inline
//    instead of touching destroyed memory. The workers themselves are joined at exit.
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace jdnn::cpu {
namespace {

// True while the current thread runs a chunk; nested parallel_for calls then run inline.
thread_local bool t_in_parallel = false;

constexpr int kMaxThreads = 1024;
// Idle spin budgets. Workers: keep tiny (shared machine). Caller: its workers usually finish within
// microseconds of it, and a futex sleep/wake round trip costs about as much.
constexpr auto kWorkerSpin = std::chrono::microseconds(5);
constexpr auto kCallerSpin = std::chrono::microseconds(30);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until pred() holds or `budget` elapses; returns pred()'s last value.
template <class Pred>
bool spin_until(Pred pred, std::chrono::microseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (int i = 0;; ++i) {
    if (pred()) return true;
    cpu_relax();
    if ((i & 15) == 15 && std::chrono::steady_clock::now() >= deadline) return pred();
  }
}

int default_num_threads() {
  if (const char* s = std::getenv("JDNN_NUM_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (end != s && *end == '\0' && v >= 1) return static_cast<int>(std::min<long>(v, kMaxThreads));
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(std::min<unsigned>(hc, kMaxThreads));
}

std::atomic<int>& requested_threads() {
  static std::atomic<int> n{default_num_threads()};
  return n;
}

// One parallel_for invocation; lives on the caller's stack.
struct Job {
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t n = 0;
  int64_t chunks = 0;
  std::atomic<int64_t> next{0};   // next chunk to claim
  std::atomic<int64_t> done{0};   // chunks finished
  std::atomic<int> holders{0};    // workers that currently hold a pointer to this job
  std::mutex err_mu;
  std::exception_ptr err;

  // Balanced split: the first n % chunks chunks get one extra item.
  void bounds(int64_t c, int64_t* b, int64_t* e) const {
    const int64_t base = n / chunks, rem = n % chunks;
    *b = c * base + std::min(c, rem);
    *e = *b + base + (c < rem ? 1 : 0);
  }

  void run_chunks() {
    const bool outer = t_in_parallel;
    t_in_parallel = true;
    for (;;) {
      const int64_t c = next.fetch_add(1, std::memory_order_acq_rel);
      if (c >= chunks) break;
      run_one(c);
      done.fetch_add(1, std::memory_order_acq_rel);
    }
    t_in_parallel = outer;
  }

  void run_one(int64_t c) {
    int64_t b, e;
    bounds(c, &b, &e);
    try {
      (*fn)(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(err_mu);
      if (!err) err = std::current_exception();
    }
  }

  bool finished() const {
    return done.load(std::memory_order_acquire) == chunks &&
           holders.load(std::memory_order_acquire) == 0;
  }
};

class Pool {
 public:
  std::mutex dispatch_mu;  // held for the whole of one pooled parallel_for

  // Makes sure `count` workers exist (caller holds dispatch_mu). Returns false once shut down.
  bool ensure_workers(int count) {
    if (shut_down_.load(std::memory_order_acquire)) return false;
    if (static_cast<int>(workers_.size()) == count) return true;
    stop_workers();
    try {
      for (int i = 0; i < count; ++i) workers_.emplace_back([this, g = gen_.load()] { worker_main(g); });
    } catch (const std::exception&) {
      // Thread creation failed (resource limits): run with the workers we got; the caller
      // claims any chunk nobody else takes, so correctness does not depend on the count.
    }
    return true;
  }

  // Runs all chunks of `job` with the workers' help (caller holds dispatch_mu).
  void run(Job& job) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      current_ = &job;
      gen_.fetch_add(1, std::memory_order_acq_rel);
    }
    work_cv_.notify_all();
    job.run_chunks();
    spin_until([&] { return job.finished(); }, kCallerSpin);
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return job.finished(); });
    current_ = nullptr;  // late-waking workers must not pick up this (soon dead) job
  }

  // Called at process exit: stops and joins the workers; later calls run inline.
  // If another thread is mid-job and does not finish within a second, the workers are left
  // running instead (never destroyed, so still safe) rather than hanging the exit.
  void shutdown() {
    shut_down_.store(true, std::memory_order_release);
    std::unique_lock<std::mutex> lk(dispatch_mu, std::defer_lock);
    for (int i = 0; i < 1000 && !lk.try_lock(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (lk.owns_lock()) stop_workers();
  }

 private:
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true, std::memory_order_release);
    }
    work_cv_.notify_all();
    for (auto& t : workers_) {
      // exit() may be called from inside a chunk on a worker; a thread cannot join itself.
      if (t.get_id() == std::this_thread::get_id()) t.detach();
      else if (t.joinable()) t.join();
    }
    workers_.clear();
    std::lock_guard<std::mutex> lk(mu_);
    stop_.store(false, std::memory_order_release);
  }

  void worker_main(uint64_t seen) {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      work_cv_.wait(lk, [&] { return stop_.load() || gen_.load() != seen; });
      if (stop_.load()) return;
      seen = gen_.load();
      Job* job = current_;
      if (job == nullptr) continue;  // that job already completed without us
      job->holders.fetch_add(1, std::memory_order_acq_rel);
      lk.unlock();
      job->run_chunks();
      lk.lock();
      job->holders.fetch_sub(1, std::memory_order_acq_rel);
      done_cv_.notify_all();
      // A short spin catches the next job of a tight loop without a futex sleep/wake.
      lk.unlock();
      spin_until([&] { return stop_.load() || gen_.load(std::memory_order_acquire) != seen; },
                 kWorkerSpin);
      lk.lock();
    }
  }

  std::mutex mu_;  // guards current_ and the condition variables' predicates
  std::condition_variable work_cv_, done_cv_;
  Job* current_ = nullptr;
  std::atomic<uint64_t> gen_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> shut_down_{false};
  std::vector<std::thread> workers_;
};

// Never freed on purpose; see the note at the top of the file.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

// Joins the workers at process exit (or library unload) so none runs while the process tears down.
struct PoolShutdown {
  ~PoolShutdown() { pool().shutdown(); }
};
PoolShutdown g_pool_shutdown;

}  // namespace

int num_threads() { return requested_threads().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  if (n < 1)
    throw std::invalid_argument("set_num_threads: n must be >= 1 (got " + std::to_string(n) + ")");
  requested_threads().store(std::min(n, kMaxThreads), std::memory_order_relaxed);
}

void parallel_for_impl(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int nt = num_threads();
  const int64_t chunks = std::min<int64_t>(nt, std::max<int64_t>(1, n / grain));
  if (chunks <= 1 || t_in_parallel) {
    fn(0, n);
    return;
  }
  Pool& p = pool();
  std::unique_lock<std::mutex> busy(p.dispatch_mu, std::try_to_lock);
  if (!busy.owns_lock() || !p.ensure_workers(nt - 1)) {
    fn(0, n);  // another application thread owns the pool, or we are shutting down
    return;
  }
  Job job;
  job.fn = &fn;
  job.n = n;
  job.chunks = chunks;
  p.run(job);
  busy.unlock();
  if (job.err) std::rethrow_exception(job.err);
}

}  // namespace jdnn::cpu
