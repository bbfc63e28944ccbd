// The strided copy behind permute, transpose and expand on the CUDA backend (CPU twin:
// cpu/layout.cpp): one thread per output element. Values are only moved, so every dtype is
// copied as unsigned words of its size.
#include <cstdint>

#include "cuda/cuda_backend.h"
#include "kernels/strided.h"

namespace jdnn::cuda {

namespace {

template <class Word, class Index>
__global__ void strided_copy_kernel(const Word* x, Word* y, int64_t n, kernels::StridedGeom g) {
  JDNN_KERNEL_LOOP(i, n) { y[i] = x[kernels::strided_offset<Index>(g, static_cast<Index>(i))]; }
}

template <class Word>
void copy_words(const Tensor& x, Tensor& y, const kernels::StridedGeom& g, cudaStream_t s) {
  void (*kernel)(const Word*, Word*, int64_t, kernels::StridedGeom) =
      kernels::fits_32bit(x.numel, y.numel) ? strided_copy_kernel<Word, uint32_t> : strided_copy_kernel<Word, int64_t>;
  launch_n(kernel, y.numel, s, static_cast<const Word*>(x.storage->data), static_cast<Word*>(y.storage->data),
           y.numel, g);
}

}  // namespace

void CudaBackend::strided_copy(const Tensor& x, Tensor& y, const int64_t* strides) {
  JDNN_CUDA_OP("strided_copy");
  cudaStream_t s = jdnn_op.ctx.stream;
  if (y.numel == 0) return;
  kernels::StridedGeom g;
  g.rank = y.ndim();
  for (int d = 0; d < g.rank; ++d) {
    g.size[d] = y.shape[d];
    g.stride[d] = strides[d];
  }
  switch (dtype_size(x.dtype)) {
    case 1: copy_words<uint8_t>(x, y, g, s); break;
    case 2: copy_words<uint16_t>(x, y, g, s); break;
    case 4: copy_words<uint32_t>(x, y, g, s); break;
    default: copy_words<uint64_t>(x, y, g, s); break;
  }
}

}  // namespace jdnn::cuda
