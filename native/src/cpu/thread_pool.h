#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>

namespace jdnn::cpu {

// Number of threads parallel_for may use (the caller included).
// Default: std::thread::hardware_concurrency() (>= 1), or env JDNN_NUM_THREADS if set to a positive integer.
int num_threads();

// Sets the thread count; n >= 1, throws std::invalid_argument otherwise.
// Takes effect on the next parallel_for (workers are re-created lazily).
void set_num_threads(int n);

// Splits [0, n) into at most num_threads() contiguous chunks of at least `grain` items and runs
// fn(begin, end) on them; the calling thread runs one chunk itself. Returns when all are done.
// If fn throws, the first exception is rethrown in the caller after all chunks finish.
// Nested calls (fn calling parallel_for) run serially inline, as do calls made while another
// application thread is using the pool, so concurrent callers never deadlock.
void parallel_for_impl(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// parallel_for_impl with fn passed by reference: a std::function that holds a std::reference_wrapper
// keeps it inline, whereas one built from a lambda capturing more than two words allocates on the
// heap, on every call, tiny ops included.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& fn) {
  parallel_for_impl(n, grain, std::function<void(int64_t, int64_t)>(std::ref(fn)));
}

// Calls f(i) for every i in [0, n): on the pool with items claimed one at a time when `parallel`
// (a thread that loses its core delays the call by one item, not by a fixed share), otherwise in
// order on this thread. For batches of independent, sizeable items (conv samples, bmm entries).
template <class F>
void for_each_item(int64_t n, bool parallel, F&& f) {
  if (!parallel) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<int64_t> next{0};
  parallel_for(std::min<int64_t>(num_threads(), n), 1, [&](int64_t, int64_t) {
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed))
      f(i);
  });
}

}  // namespace jdnn::cpu
