// Checks only the device can make (an index or label out of range) without
// stopping at the first thread that finds a problem: kernels raise the flag
// with atomicMax(flag, n - i), so it ends naming the FIRST bad position i of n
// whatever order threads ran in, and the host reads it back once, after them.
// The read-back waits for the stream: each use costs one synchronization.
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

// Element i of an int32 or int64 tensor on the device, for an error message.
inline int64_t index_on_host(const Tensor& t, int64_t i, cudaStream_t stream) {
  int32_t narrow = 0;
  int64_t wide = 0;
  const bool is32 = t.dtype == DType::INT32;
  JDNN_CUDA_CHECK(cudaMemcpyAsync(is32 ? static_cast<void*>(&narrow) : static_cast<void*>(&wide),
                                  static_cast<const char*>(t.storage->data) + i * (is32 ? 4 : 8), is32 ? 4 : 8,
                                  cudaMemcpyDeviceToHost, stream));
  JDNN_CUDA_CHECK(wait_for_stream(stream));
  count(counters().d2h_bytes, is32 ? 4 : 8);
  return is32 ? narrow : wide;
}

}  // namespace jdnn::cuda
