// where on the CPU backend (CUDA twin: cuda/where.cu): out = cond != 0 ? a : b, every operand
// broadcast to out through strides of 0 (kernels/strided.h). Values are only moved, so every
// dtype is handled as unsigned words of its size.
#include <cstdint>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"
#include "kernels/strided.h"

namespace jdnn::cpu {
namespace {

kernels::StridedGeom broadcast_geom(const Tensor& t, const Tensor& out) {
  return kernels::broadcast_geom(t.shape.data(), t.ndim(), out.shape.data(), out.ndim());
}

template <class Word>
void where_words(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  const kernels::StridedGeom gc = broadcast_geom(cond, out), ga = broadcast_geom(a, out), gb = broadcast_geom(b, out);
  const uint8_t* c = cond.data<uint8_t>();
  const Word* as = static_cast<const Word*>(a.storage->data);
  const Word* bs = static_cast<const Word*>(b.storage->data);
  Word* o = static_cast<Word*>(out.storage->data);
  parallel_for(out.numel, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      o[i] = c[kernels::strided_offset(gc, i)] != 0 ? as[kernels::strided_offset(ga, i)]
                                                     : bs[kernels::strided_offset(gb, i)];
  });
}

}  // namespace

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  if (out.numel == 0) return;
  switch (dtype_size(out.dtype)) {
    case 1: where_words<uint8_t>(cond, a, b, out); break;
    case 2: where_words<uint16_t>(cond, a, b, out); break;
    case 4: where_words<uint32_t>(cond, a, b, out); break;
    default: where_words<uint64_t>(cond, a, b, out); break;
  }
}

}  // namespace jdnn::cpu
