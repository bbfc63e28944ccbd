// A per-context device counter for kernels that end with a step over every thread's result (a
// mean of per-row values): each thread counts its finished items with an atomic add after a
// fence, and the thread that brings the count to the total does the final step and resets the
// counter to 0 for the next launch. One launch instead of a second kernel that would only wait
// for the first. Allocated on first use, once per context, straight from cudaMalloc (like the
// device error record: no tensor, not in the allocator's device_mallocs) and zeroed on the
// stream; launches on one stream run one after another, so one counter serves them all.
#pragma once
#include "cuda/runtime.h"

namespace jdnn::cuda {

class FinishCounter {
 public:
  unsigned long long* get(cudaStream_t stream) {
    if (device_ == nullptr) {
      void* d = nullptr;
      JDNN_CUDA_CHECK(cudaMalloc(&d, sizeof(unsigned long long)));
      JDNN_CUDA_CHECK(cudaMemsetAsync(d, 0, sizeof(unsigned long long), stream));
      device_ = static_cast<unsigned long long*>(d);
    }
    return device_;
  }

 private:
  unsigned long long* device_ = nullptr;  // lives as long as the context (the process)
};

// Called by a thread after it wrote its share of `total` items: true for the one thread that
// finished the last of them, which then sees every other thread's writes (they fenced before
// counting) and must reset the counter when done (finish_reset).
__device__ __forceinline__ bool finished_last(unsigned long long* counter, unsigned long long items,
                                              unsigned long long total) {
  __threadfence();
  return atomicAdd(counter, items) + items == total;
}

__device__ __forceinline__ void finish_reset(unsigned long long* counter) { atomicExch(counter, 0ull); }

}  // namespace jdnn::cuda
