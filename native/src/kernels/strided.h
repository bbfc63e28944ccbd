// Addressing a contiguous tensor through other strides, shared by the CPU backend and the CUDA
// kernels (cpu/layout.cpp, cuda/layout.cu, the gather/scatter of cpu/index.cpp, cuda/index.cu and
// where's operands): element i of an output of shape `size` reads its operand at
// sum_k idx_k(i) * stride[k], where idx is i unravelled over `size` (row-major). A stride of 0
// repeats the operand along that dim (expand, broadcasting); permuted strides transpose it.
#pragma once
#include <cstdint>

#include "kernels/common.h"

namespace jdnn::kernels {

// The most dims a strided op takes (the facade checks): the geometry travels by value in a
// kernel launch, so it has a fixed size.
constexpr int kStridedMaxDims = 8;

struct StridedGeom {
  int rank = 0;
  int64_t size[kStridedMaxDims] = {};
  int64_t stride[kStridedMaxDims] = {};
};

// The operand offset of output element i. Index is int64_t, or uint32_t where the output and the
// operand both have fewer than 2^32 elements: GPUs divide 64-bit integers in software, several
// times slower, and each element divides once per dim.
template <class Index>
JDNN_HD Index strided_offset(const StridedGeom& g, Index i) {
  Index off = 0;
  for (int d = g.rank - 1; d >= 0; --d) {
    const Index size = static_cast<Index>(g.size[d]);
    const Index k = i % size;
    i /= size;
    off += k * static_cast<Index>(g.stride[d]);
  }
  return off;
}

// The same reads with fewer dims: size-1 dims dropped, and neighbours merged where the outer one
// steps exactly over the inner one's run (a dim kept by a permute beside its neighbour, the inner
// dims of an expand), so a kernel divides less and a CPU loop gets long inner runs.
inline StridedGeom merged(const StridedGeom& g) {
  StridedGeom m;
  for (int d = 0; d < g.rank; ++d) {
    if (g.size[d] == 1) continue;
    if (m.rank > 0 && m.stride[m.rank - 1] == g.stride[d] * g.size[d]) {
      m.size[m.rank - 1] *= g.size[d];
      m.stride[m.rank - 1] = g.stride[d];
    } else {
      m.size[m.rank] = g.size[d];
      m.stride[m.rank] = g.stride[d];
      ++m.rank;
    }
  }
  return m;
}

// g without its innermost dim: the geometry of rows (rank 0 stays rank 0).
inline StridedGeom outer_rows(const StridedGeom& g) {
  StridedGeom o = g;
  if (o.rank > 0) --o.rank;
  return o;
}

// Whether every offset of tensors of these element counts fits the 32-bit index.
inline bool fits_32bit(int64_t a, int64_t b, int64_t c = 0) {
  constexpr int64_t kMax32 = 0xffffffffLL;
  return a <= kMax32 && b <= kMax32 && c <= kMax32;
}

// Row-major (contiguous) strides of a shape.
inline void contiguous_strides(const int64_t* shape, int rank, int64_t* strides) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    strides[d] = s;
    s *= shape[d];
  }
}

// The geometry reading an operand of shape `shape` (rank `rank`) broadcast to an output of shape
// `out` (rank `out_rank` >= rank, NumPy's right-aligned rule): stride 0 where the operand has size
// 1 or lacks the dim.
inline StridedGeom broadcast_geom(const int64_t* shape, int rank, const int64_t* out, int out_rank) {
  StridedGeom g;
  g.rank = out_rank;
  int64_t stride = 1;
  for (int d = out_rank - 1, i = rank - 1; d >= 0; --d, --i) {
    g.size[d] = out[d];
    g.stride[d] = i >= 0 && shape[i] != 1 ? stride : 0;
    if (i >= 0) stride *= shape[i];
  }
  return g;
}

// An operand broadcast to `out` and read one row (out's last dim) at a time: where each row starts
// (unravel the row's index over `rows`) and the stride along it (0 when the operand repeats along
// the row). The masked softmax reads its mask this way on both backends.
struct RowBroadcast {
  StridedGeom rows;
  int64_t stride = 0;
};

inline RowBroadcast row_broadcast(const int64_t* shape, int rank, const int64_t* out, int out_rank) {
  const StridedGeom g = broadcast_geom(shape, rank, out, out_rank);
  return {merged(outer_rows(g)), g.stride[g.rank - 1]};
}

// The geometry of gather and scatter over an index of shape `index` (rank `rank`): a position
// of the index reads (or writes) a tensor of shape `t` at its own coordinates, except along
// `dim` (stride 0 there when `skip_dim`: the index value supplies that coordinate).
inline StridedGeom index_geom(const int64_t* index, const int64_t* t, int rank, int dim, bool skip_dim) {
  StridedGeom g;
  g.rank = rank;
  int64_t st[kStridedMaxDims];
  contiguous_strides(t, rank, st);
  for (int d = 0; d < rank; ++d) {
    g.size[d] = index[d];
    g.stride[d] = skip_dim && d == dim ? 0 : st[d];
  }
  return g;
}

}  // namespace jdnn::kernels
