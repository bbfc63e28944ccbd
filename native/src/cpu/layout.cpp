// The strided copy behind permute, transpose and expand on the CPU backend (CUDA twin:
// cuda/layout.cu). Values are only moved, so every dtype is copied as unsigned words of its size.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/strided.h"

namespace jdnn::cpu {
namespace {

// Row by row over the innermost (merged) dim: one offset computation per row, then a run with a
// fixed stride (a memcpy when it is 1).
template <class Word>
void copy_words(const Tensor& x, Tensor& y, const kernels::StridedGeom& geom) {
  const kernels::StridedGeom g = kernels::merged(geom);
  const kernels::StridedGeom rows_geom = kernels::outer_rows(g);
  const Word* xs = static_cast<const Word*>(x.storage->data);
  Word* ys = static_cast<Word*>(y.storage->data);
  const int64_t run = g.rank > 0 ? g.size[g.rank - 1] : 1, step = g.rank > 0 ? g.stride[g.rank - 1] : 0;
  const int64_t rows = y.numel / run;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / run), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const Word* from = xs + kernels::strided_offset(rows_geom, r);
      Word* to = ys + r * run;
      if (step == 1) {
        std::memcpy(to, from, run * sizeof(Word));
      } else {
        for (int64_t k = 0; k < run; ++k) to[k] = from[k * step];
      }
    }
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
