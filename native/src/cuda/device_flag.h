// A check whose answer the op returns at once (point_loss's domain: BCE on probabilities, whose
// caller builds the message from the position): kernels raise the flag with atomicMax(flag,
// n - i), so it ends naming the FIRST bad position i of n whatever order threads ran in, and the
// host reads it back once, after them. The read-back waits for the stream: each use costs one
// synchronization. Index and label checks instead record on the device and raise later
// (cuda/device_errors.h).
#pragma once
#include <cstdint>

#include "core/tensor.h"
#include "cuda/context.h"
#include "jdnn/jdnn.h"

namespace jdnn::cuda {

class FirstBadFlag {
 public:
  explicit FirstBadFlag(Context& ctx) : ctx_(ctx), scratch_(ctx.allocator, sizeof(unsigned long long)) {
    JDNN_CUDA_CHECK(cudaMemsetAsync(scratch_.get(), 0, sizeof(unsigned long long), ctx.stream));
  }
  // What the kernels raise: atomicMax(device(), n - i) for a bad position i.
  unsigned long long* device() const { return scratch_.as<unsigned long long>(); }
  // The first bad position among n, or -1 when the kernels raised nothing.
  int64_t first_bad(int64_t n) const {
    unsigned long long flag = 0;
    JDNN_CUDA_CHECK(cudaMemcpyAsync(&flag, device(), sizeof(flag), cudaMemcpyDeviceToHost, ctx_.stream));
    JDNN_CUDA_CHECK(wait_for_stream(ctx_.stream));
    count(counters().d2h_bytes, sizeof(flag));
    return flag == 0 ? -1 : n - static_cast<int64_t>(flag);
  }

 private:
  Context& ctx_;
  DeviceScratch scratch_;
};

}  // namespace jdnn::cuda
