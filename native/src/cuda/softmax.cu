// Softmax and log-softmax along the last dimension through cuDNN (CPU twin:
// cpu/softmax.cpp). Rows are cuDNN instances: a (rows, cols, 1, 1) tensor in
// INSTANCE mode normalizes each row over its cols.
#include <algorithm>
#include <climits>

#include "cuda/cuda_backend.h"
#include "cuda/cudnn_util.h"

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

}  // namespace

void CudaBackend::softmax(const Tensor& x, Tensor& y, bool log) {
  JDNN_CUDA_OP("softmax");
  Context& c = jdnn_op.ctx;
  const Scalars s(x);
  // ACCURATE subtracts the row maximum, so large logits stay finite as on the CPU.
  const auto algo = log ? vendor::CUDNN_SOFTMAX_LOG : vendor::CUDNN_SOFTMAX_ACCURATE;
  for_row_blocks(x, [&](vendor::cudnnTensorDescriptor_t d, int64_t off) {
    JDNN_CUDNN(cudnnSoftmaxForward, c.cudnn, algo, vendor::CUDNN_SOFTMAX_MODE_INSTANCE, s.one(), d,
               element_ptr(x, off), s.zero(), d, element_ptr(y, off));
  });
}

void CudaBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) {
  JDNN_CUDA_OP("softmax_backward");
  Context& c = jdnn_op.ctx;
  const Scalars s(y);
  const auto algo = log ? vendor::CUDNN_SOFTMAX_LOG : vendor::CUDNN_SOFTMAX_ACCURATE;
  for_row_blocks(y, [&](vendor::cudnnTensorDescriptor_t d, int64_t off) {
    JDNN_CUDNN(cudnnSoftmaxBackward, c.cudnn, algo, vendor::CUDNN_SOFTMAX_MODE_INSTANCE, s.one(), d,
               element_ptr(y, off), d, element_ptr(dy, off), s.zero(), d, element_ptr(dx, off));
  });
}

}  // namespace jdnn::cuda
