// Slice copies along one dimension on the CUDA backend (CPU twin:
// cpu/narrow.cpp): narrow for concat's backward, narrow_assign for concat.
// Values are only moved, never interpreted, so every dtype is handled as words
// of the widest size that divides every run and offset.
#include <cstdint>

#include "cuda/cuda_backend.h"

namespace jdnn::cuda {

namespace {

// whole viewed as (outer, whole_row) words and part as (outer, part_row) words;
// part row o is whole row o from word `start` on. Index is 32-bit whenever the
// offsets fit, as GPUs divide 64-bit integers slowly.
template <class Word, class Index>
__global__ void slice_copy_kernel(Word* whole, Word* part, int64_t n, Index whole_row, Index part_row, Index start,
                                  bool into_whole) {
  JDNN_KERNEL_LOOP(i, n) {
    const Index j = static_cast<Index>(i), o = j / part_row;
    Word* w = whole + o * whole_row + start + (j - o * part_row);
    if (into_whole) *w = part[j];
    else part[j] = *w;
  }
}

template <class Word>
void slice_copy_words(char* whole, char* part, int64_t outer, int64_t whole_bytes, int64_t part_bytes,
                      int64_t start_bytes, bool into_whole, cudaStream_t s) {
  const int64_t w = sizeof(Word), n = outer * (part_bytes / w), whole_words = outer * (whole_bytes / w);
  auto* wp = reinterpret_cast<Word*>(whole);
  auto* pp = reinterpret_cast<Word*>(part);
  if (whole_words <= 0xffffffffLL)
    launch_n(slice_copy_kernel<Word, uint32_t>, n, s, wp, pp, n, static_cast<uint32_t>(whole_bytes / w),
             static_cast<uint32_t>(part_bytes / w), static_cast<uint32_t>(start_bytes / w), into_whole);
  else
    launch_n(slice_copy_kernel<Word, int64_t>, n, s, wp, pp, n, whole_bytes / w, part_bytes / w, start_bytes / w,
             into_whole);
}

// Moves part <-> whole[..., start : start + part.dim(dim), ...].
void slice_copy(const Tensor& whole, const Tensor& part, int dim, int64_t start, bool into_whole,
                cudaStream_t s) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < dim; ++i) outer *= whole.shape[i];
  for (int i = dim + 1; i < whole.ndim(); ++i) inner *= whole.shape[i];
  const int64_t es = static_cast<int64_t>(dtype_size(whole.dtype));
  const int64_t whole_bytes = whole.shape[dim] * inner * es, part_bytes = part.shape[dim] * inner * es;
  const int64_t start_bytes = start * inner * es;
  if (outer == 0 || part_bytes == 0) return;
  auto* wb = static_cast<char*>(whole.storage->data);
  auto* pb = static_cast<char*>(part.storage->data);
  if (outer == 1) {  // one contiguous run
    char* w = wb + start_bytes;
    JDNN_CUDA_CHECK(cudaMemcpyAsync(into_whole ? w : pb, into_whole ? pb : w, part_bytes,
                                    cudaMemcpyDeviceToDevice, s));
    return;
  }
  // Device allocations are aligned far beyond 8 bytes, so only the sizes and the
  // offset decide the word.
  const int64_t common = whole_bytes | part_bytes | start_bytes;
  const auto copy = [&](auto word) {
    slice_copy_words<decltype(word)>(wb, pb, outer, whole_bytes, part_bytes, start_bytes, into_whole, s);
  };
  if (common % 8 == 0) copy(uint64_t{});
  else if (common % 4 == 0) copy(uint32_t{});
  else if (common % 2 == 0) copy(uint16_t{});
  else copy(uint8_t{});
}

}  // namespace

void CudaBackend::narrow(const Tensor& x, Tensor& y, int dim, int64_t start) {
  JDNN_CUDA_OP("narrow");
  slice_copy(x, y, dim, start, false, jdnn_op.ctx.stream);
}

void CudaBackend::narrow_assign(const Tensor& src, Tensor& dst, int dim, int64_t start) {
  JDNN_CUDA_OP("narrow_assign");
  slice_copy(dst, src, dim, start, true, jdnn_op.ctx.stream);
}

}  // namespace jdnn::cuda
