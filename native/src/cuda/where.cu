// where on the CUDA backend (CPU twin: cpu/where.cpp): out = cond != 0 ? a : b, one thread per
// output element, every operand broadcast through strides of 0 (kernels/strided.h). Values are
// only moved, so every dtype is handled as unsigned words of its size.
#include <cstdint>

#include "cuda/cuda_backend.h"
#include "kernels/strided.h"

namespace jdnn::cuda {

namespace {

template <class Word, class Index>
__global__ void where_kernel(const uint8_t* cond, const Word* a, const Word* b, Word* out, int64_t n,
                             kernels::StridedGeom gc, kernels::StridedGeom ga, kernels::StridedGeom gb) {
  JDNN_KERNEL_LOOP(i, n) {
    const Index j = static_cast<Index>(i);
    out[i] = cond[kernels::strided_offset(gc, j)] != 0 ? a[kernels::strided_offset(ga, j)]
                                                        : b[kernels::strided_offset(gb, j)];
  }
}

kernels::StridedGeom broadcast_geom(const Tensor& t, const Tensor& out) {
  return kernels::broadcast_geom(t.shape.data(), t.ndim(), out.shape.data(), out.ndim());
}

template <class Word>
void where_words(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out, cudaStream_t s) {
  // out is the largest: every operand broadcasts to it
  void (*kernel)(const uint8_t*, const Word*, const Word*, Word*, int64_t, kernels::StridedGeom, kernels::StridedGeom,
                 kernels::StridedGeom) =
      kernels::fits_32bit(out.numel, 0) ? where_kernel<Word, uint32_t> : where_kernel<Word, int64_t>;
  launch_n(kernel, out.numel, s, cond.data<uint8_t>(), static_cast<const Word*>(a.storage->data),
           static_cast<const Word*>(b.storage->data), static_cast<Word*>(out.storage->data), out.numel,
           broadcast_geom(cond, out), broadcast_geom(a, out), broadcast_geom(b, out));
}

}  // namespace

void CudaBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  JDNN_CUDA_OP("where");
  cudaStream_t s = jdnn_op.ctx.stream;
  if (out.numel == 0) return;
  switch (dtype_size(out.dtype)) {
    case 1: where_words<uint8_t>(cond, a, b, out, s); break;
    case 2: where_words<uint16_t>(cond, a, b, out, s); break;
    case 4: where_words<uint32_t>(cond, a, b, out, s); break;
    default: where_words<uint64_t>(cond, a, b, out, s); break;
  }
}

}  // namespace jdnn::cuda
