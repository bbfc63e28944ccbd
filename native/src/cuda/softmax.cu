// Softmax and log-softmax along the last dimension (CPU twin: cpu/softmax.cpp).
// Softmax and both backwards go through cuDNN: rows are cuDNN instances, a
// (rows, cols, 1, 1) tensor in INSTANCE mode normalizes each row over its cols.
// The log-softmax forward is jdnn's own kernel: cuDNN's CUDNN_SOFTMAX_LOG forms
// x - (max + log sum), which rounds at the logits' magnitude (on an H200, cuDNN
// 9.19, float64 logits {9999, 3000, 1e4} gave -0.3132616875191161 for 1e4, an
// error of 8.9e-13 against the exact -0.31326168751822286), where
// (x - max) - log sum, the CPU's and PyTorch's order, is exact to an ulp of the result.
#include <algorithm>
#include <climits>

#include "cuda/cuda_backend.h"
#include "cuda/cudnn_util.h"
#include "cuda/dispatch.h"
#include "kernels/softmax.h"
#include "kernels/strided.h"

namespace jdnn::cuda {

namespace {

// Calls run(desc, element offset) for blocks of whole rows; a descriptor holds fewer than 2^31
// elements, so larger tensors go in several calls.
template <class Run>
void for_row_blocks(const Tensor& t, Run run) {
  const int64_t cols = t.dim(-1);
  if (t.numel == 0) return;
  JDNN_CHECK(cols <= INT_MAX, "softmax: rows of ", cols, " elements are longer than cuDNN allows");
  const int64_t rows = t.numel / cols;
  const int64_t block = std::max<int64_t>(1, std::min<int64_t>(rows, INT_MAX / cols));
  TensorDesc desc;
  for (int64_t r0 = 0; r0 < rows; r0 += block) {
    const int64_t n = std::min(block, rows - r0);
    desc.set_4d(cudnn_type(t), n, cols, 1, 1);
    run(desc.get(), r0 * cols);
  }
}

// ACCURATE subtracts the row maximum, so large logits stay finite as on the CPU.
vendor::cudnnSoftmaxAlgorithm_t softmax_algorithm(bool log) {
  return log ? vendor::CUDNN_SOFTMAX_LOG : vendor::CUDNN_SOFTMAX_ACCURATE;
}

// One thread per row, the CPU's arithmetic in the CPU's order (kernels/softmax.h). Serial over a
// row, as the fused cross-entropy's rows are: log-softmax rows are class scores, short next to
// the number of rows.
template <class T>
__global__ void log_softmax_rows(const T* x, T* y, int64_t rows, int64_t c) {
  JDNN_KERNEL_LOOP(r, rows) { kernels::log_softmax_row(x + r * c, y + r * c, c); }
}

// One thread per row, as log_softmax_rows: the row's mask at its broadcast offset, query r % l.
// Attention rows are as many as queries times heads times batch, S keys each, so a thread per row
// keeps the GPU busy without shared memory (the emulation's kernel rules, cuda/runtime.h).
template <class T, class Index>
__global__ void masked_softmax_rows(const T* x, const T* mask, T* y, int64_t rows, int64_t c, int64_t l,
                                    kernels::StridedGeom mask_rows, int64_t mask_stride, double scale, bool causal) {
  JDNN_KERNEL_LOOP(r, rows) {
    const T* mr = mask != nullptr ? mask + kernels::strided_offset(mask_rows, static_cast<Index>(r)) : nullptr;
    kernels::masked_softmax_row(x + r * c, mr, mask_stride, y + r * c, c, scale, causal ? r % l : c);
  }
}

}  // namespace

void CudaBackend::masked_softmax(const Tensor& x, const Tensor* mask, Tensor& y, double scale, bool causal) {
  JDNN_CUDA_OP("masked_softmax");
  if (x.numel == 0) return;
  const int64_t c = x.dim(-1), rows = x.numel / c, l = causal ? x.dim(-2) : 1;
  const kernels::RowBroadcast mb =
      mask != nullptr ? kernels::row_broadcast(mask->shape.data(), mask->ndim(), x.shape.data(), x.ndim())
                      : kernels::RowBroadcast{};
  with_float(x.dtype, "masked_softmax", [&](auto zero) {
    using T = decltype(zero);
    const T* ms = mask != nullptr ? mask->data<T>() : nullptr;
    void (*kernel)(const T*, const T*, T*, int64_t, int64_t, int64_t, kernels::StridedGeom, int64_t, double, bool) =
        kernels::fits_32bit(rows, mask != nullptr ? mask->numel : 0) ? masked_softmax_rows<T, uint32_t>
                                                                      : masked_softmax_rows<T, int64_t>;
    launch_n(kernel, rows, jdnn_op.ctx.stream, x.data<T>(), ms, y.data<T>(), rows, c, l, mb.rows, mb.stride, scale,
             causal);
  });
}

void CudaBackend::softmax(const Tensor& x, Tensor& y, bool log) {
  JDNN_CUDA_OP("softmax");
  Context& c = jdnn_op.ctx;
  if (log) {
    if (x.numel == 0) return;
    const int64_t cols = x.dim(-1);
    with_float(x.dtype, "log_softmax", [&](auto zero) {
      using T = decltype(zero);
      launch_n(log_softmax_rows<T>, x.numel / cols, c.stream, x.data<T>(), y.data<T>(), x.numel / cols, cols);
    });
    return;
  }
  const Scalars s(x);
  for_row_blocks(x, [&](vendor::cudnnTensorDescriptor_t d, int64_t off) {
    JDNN_CUDNN(cudnnSoftmaxForward, c.cudnn, softmax_algorithm(log), vendor::CUDNN_SOFTMAX_MODE_INSTANCE,
               s.one(), d, element_ptr(x, off), s.zero(), d, element_ptr(y, off));
  });
}

void CudaBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) {
  JDNN_CUDA_OP("softmax_backward");
  Context& c = jdnn_op.ctx;
  const Scalars s(y);
  for_row_blocks(y, [&](vendor::cudnnTensorDescriptor_t d, int64_t off) {
    JDNN_CUDNN(cudnnSoftmaxBackward, c.cudnn, softmax_algorithm(log), vendor::CUDNN_SOFTMAX_MODE_INSTANCE,
               s.one(), d, element_ptr(y, off), d, element_ptr(dy, off), s.zero(), d, element_ptr(dx, off));
  });
}

}  // namespace jdnn::cuda
