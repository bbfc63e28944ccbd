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

}  // namespace

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
