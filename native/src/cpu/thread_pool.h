#pragma once
#include <cstdint>
#include <functional>

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
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace jdnn::cpu
