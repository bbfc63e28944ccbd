// Copies of a slice along one dimension on the CPU backend (CUDA twin: cuda/narrow.cu), for
// concat (narrow_assign into the output) and its backward (narrow of the gradient). Pure byte moves, so every dtype works: the tensor is
// viewed as (outer, size along dim, inner) and each outer row moves one contiguous run.
#include <algorithm>
#include <cstring>

#include "cpu/cpu_backend.h"
#include "cpu/thread_pool.h"

namespace jdnn::cpu {
namespace {

// Moves part <-> whole[..., start : start + part.dim(dim), ...].
void slice_copy(const Tensor& whole, const Tensor& part, int dim, int64_t start, bool into_whole) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < dim; ++i) outer *= whole.shape[i];
  for (int i = dim + 1; i < whole.ndim(); ++i) inner *= whole.shape[i];
  const size_t es = dtype_size(whole.dtype);
  const int64_t whole_row = whole.shape[dim] * inner, part_row = part.shape[dim] * inner;
  if (outer == 0 || part_row == 0) return;
  auto* wb = static_cast<char*>(whole.storage->data);
  auto* pb = static_cast<char*>(part.storage->data);
  parallel_for(outer, std::max<int64_t>(1, kElementwiseGrain / part_row), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      char* w = wb + (o * whole_row + start * inner) * es;
      char* p = pb + o * part_row * es;
      if (into_whole) std::memmove(w, p, part_row * es);
      else std::memmove(p, w, part_row * es);
    }
  });
}

}  // namespace

void CpuBackend::narrow(const Tensor& x, Tensor& y, int dim, int64_t start) {
  slice_copy(x, y, dim, start, false);
}

void CpuBackend::narrow_assign(const Tensor& src, Tensor& dst, int dim, int64_t start) {
  slice_copy(dst, src, dim, start, true);
}

}  // namespace jdnn::cpu
