// The strided copy behind permute, transpose and expand on the CPU backend (CUDA twin:
// cuda/layout.cu). Values are only moved, so every dtype is copied as unsigned words of its size.
#include <cstdint>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/strided.h"

namespace jdnn::cpu {
namespace {

template <class Word>
void copy_words(const Tensor& x, Tensor& y, const kernels::StridedGeom& g) {
  const Word* xs = static_cast<const Word*>(x.storage->data);
  Word* ys = static_cast<Word*>(y.storage->data);
  parallel_for(y.numel, kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) ys[i] = xs[kernels::strided_offset(g, i)];
  });
}

}  // namespace

// The geometry's size/stride copy keeps the facade's checks (rank <= kStridedMaxDims) in force.
void CpuBackend::strided_copy(const Tensor& x, Tensor& y, const int64_t* strides) {
  if (y.numel == 0) return;
  kernels::StridedGeom g;
  g.rank = y.ndim();
  for (int d = 0; d < g.rank; ++d) {
    g.size[d] = y.shape[d];
    g.stride[d] = strides[d];
  }
  switch (dtype_size(x.dtype)) {
    case 1: copy_words<uint8_t>(x, y, g); break;
    case 2: copy_words<uint16_t>(x, y, g); break;
    case 4: copy_words<uint32_t>(x, y, g); break;
    default: copy_words<uint64_t>(x, y, g); break;
  }
}

}  // namespace jdnn::cpu
