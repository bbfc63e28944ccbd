// Host <-> device copies through pinned staging buffers, fill, dtype
// conversion and row gathers on the CUDA backend (CPU twin: cpu/memory.cpp).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "cuda/cuda_backend.h"
#include "cuda/device_errors.h"
#include "cuda/finish_counter.h"
#include "jdnn/jdnn.h"

namespace jdnn::cuda {

namespace {

template <class T>
__global__ void fill_kernel(T* p, int64_t n, T value) {
  JDNN_KERNEL_LOOP(i, n) { p[i] = value; }
}

// Unsigned arithmetic: wraps around on overflow as the CPU backend does (no signed-overflow UB).
template <class T, class U>
__global__ void add_int_kernel(T* p, int64_t n, uint64_t delta) {
  JDNN_KERNEL_LOOP(i, n) { p[i] = static_cast<T>(static_cast<U>(p[i]) + static_cast<U>(delta)); }
}

template <class Src, class Dst>
__global__ void convert_kernel(const Src* src, Dst* dst, int64_t n) {
  JDNN_KERNEL_LOOP(i, n) { dst[i] = static_cast<Dst>(src[i]); }
}

// Copies row index[r] of src into row r of dst, element by element (row_len
// elements of `Word`). A bad index skips the row and is recorded at position r:
// many threads may find bad rows, and the record keeps the first, as the CPU names it.
template <class Word, class Index>
__global__ void gather_rows_kernel(const Word* src, const Index* index, Word* dst, int64_t rows_out,
                                   int64_t row_len, int64_t rows_in, DeviceErrorRecord* errors, ErrorSite site) {
  const int64_t span = row_len > 0 ? row_len : 1;  // rows of nothing still check their index
  JDNN_KERNEL_LOOP(i, rows_out * span) {
    const int64_t r = i / span;
    const int64_t k = i - r * span;
    const int64_t from = static_cast<int64_t>(index[r]);
    if (from < 0 || from >= rows_in) {
      if (k == 0) record_error(errors, site, r, from);
    } else if (k < row_len) {
      dst[i] = src[from * row_len + k];
    }
  }
}

// gather_rows_kernel over two sources with the same rows by one index (a batch's features and
// targets): each output row's words of a, then of b, one launch for both. Row r's first
// thread checks the index, as the single gather does.
// Word i of the pair's output (row i / span: its words of a, then of b), from source row index[r].
template <class Word, class Index>
__device__ __forceinline__ void gather_pair_word(int64_t i, int64_t span, const Index* index, const Word* src_a,
                                                 Word* dst_a, int64_t words_a, const Word* src_b, Word* dst_b,
                                                 int64_t words_b, int64_t rows_in, DeviceErrorRecord* errors,
                                                 const ErrorSite& site) {
  const int64_t r = i / span;
  const int64_t k = i - r * span;
  const int64_t from = static_cast<int64_t>(index[r]);
  if (from < 0 || from >= rows_in) {
    if (k == 0) record_error(errors, site, r, from);
  } else if (k < words_a) {
    dst_a[r * words_a + k] = src_a[from * words_a + k];
  } else if (k - words_a < words_b) {
    dst_b[r * words_b + (k - words_a)] = src_b[from * words_b + (k - words_a)];
  }
}

template <class Word, class Index>
__global__ void gather_rows_pair_kernel(const Word* src_a, Word* dst_a, int64_t words_a, const Word* src_b,
                                        Word* dst_b, int64_t words_b, const Index* index, int64_t rows_out,
                                        int64_t rows_in, DeviceErrorRecord* errors, ErrorSite site) {
  const int64_t span = words_a + words_b > 0 ? words_a + words_b : 1;
  JDNN_KERNEL_LOOP(i, rows_out * span) {
    gather_pair_word(i, span, index, src_a, dst_a, words_a, src_b, dst_b, words_b, rows_in, errors, site);
  }
}

// gather_rows_pair_kernel's rows from order[*cursor ...]; the thread that finishes last moves the
// cursor on (every other thread has read it by then), so the op is one launch and never waits.
template <class Word, class Index>
__global__ void gather_rows_next_kernel(const Word* src_a, Word* dst_a, int64_t words_a, const Word* src_b,
                                        Word* dst_b, int64_t words_b, const Index* order, int64_t order_len,
                                        int64_t* cursor, int64_t rows_out, int64_t rows_in,
                                        unsigned long long* finish, DeviceErrorRecord* errors, ErrorSite index_site,
                                        ErrorSite cursor_site) {
  const int64_t span = words_a + words_b > 0 ? words_a + words_b : 1;
  const int64_t start = *cursor;
  const bool fits = start >= 0 && start + rows_out <= order_len;
  unsigned long long mine = 0;
  JDNN_KERNEL_LOOP(i, rows_out * span) {
    ++mine;
    if (!fits) {
      if (i == 0) record_error(errors, cursor_site, rows_out, start);
      continue;
    }
    gather_pair_word(i, span, order + start, src_a, dst_a, words_a, src_b, dst_b, words_b, rows_in, errors,
                     index_site);
  }
  if (mine > 0 && finished_last(finish, mine, static_cast<unsigned long long>(rows_out * span))) {
    *cursor = start + rows_out;
    finish_reset(finish);
  }
}

template <class T>
void fill_typed(Tensor& t, T value, cudaStream_t stream) {
  launch_n(fill_kernel<T>, t.numel, stream, t.data<T>(), t.numel, value);
}

template <class Dst>
void convert_into(const Tensor& src, Tensor& dst, cudaStream_t stream) {
  const int64_t n = src.numel;
  Dst* d = dst.data<Dst>();
  with_dtype(src.dtype, [&](auto zero) {
    using Src = decltype(zero);
    launch_n(convert_kernel<Src, Dst>, n, stream, src.data<Src>(), d, n);
  });
}

template <class Word, class Index>
void gather_typed(const Tensor& src, const Tensor& index, Tensor& dst, int64_t row_words, int64_t rows_in,
                  DeviceErrorRecord* errors, const ErrorSite& site, cudaStream_t stream) {
  const int64_t n = index.numel * (row_words > 0 ? row_words : 1);
  launch_n(gather_rows_kernel<Word, Index>, n, stream, static_cast<const Word*>(src.storage->data),
           index.data<Index>(), static_cast<Word*>(dst.storage->data), index.numel, row_words, rows_in, errors,
           site);
}

template <class Word, class Index>
void gather_pair_typed(const Tensor& a, const Tensor& b, const Tensor& index, Tensor& da, Tensor& db, int64_t words_a,
                       int64_t words_b, int64_t rows_in, DeviceErrorRecord* errors, const ErrorSite& site,
                       cudaStream_t stream) {
  const int64_t span = words_a + words_b > 0 ? words_a + words_b : 1;
  launch_n(gather_rows_pair_kernel<Word, Index>, index.numel * span, stream, static_cast<const Word*>(a.storage->data),
           static_cast<Word*>(da.storage->data), words_a, static_cast<const Word*>(b.storage->data),
           static_cast<Word*>(db.storage->data), words_b, index.data<Index>(), index.numel, rows_in, errors, site);
}

template <class Word, class Index>
void gather_next_typed(const Tensor& a, const Tensor& b, const Tensor& order, Tensor& cursor, Tensor& da,
                       Tensor& db, int64_t words_a, int64_t words_b, int64_t rows_in, Context& c) {
  const int64_t span = words_a + words_b > 0 ? words_a + words_b : 1;
  const int64_t rows_out = da.shape[0];
  const ErrorSite index_site = c.errors.site(c.stream, DeviceCheck::GATHER_ROWS_INDEX, rows_in);
  const ErrorSite cursor_site = c.errors.site(c.stream, DeviceCheck::GATHER_ROWS_CURSOR, order.numel);
  launch_n(gather_rows_next_kernel<Word, Index>, rows_out * span, c.stream, static_cast<const Word*>(a.storage->data),
           static_cast<Word*>(da.storage->data), words_a, static_cast<const Word*>(b.storage->data),
           static_cast<Word*>(db.storage->data), words_b, order.data<Index>(), order.numel, cursor.data<int64_t>(),
           rows_out, rows_in, c.finish.get(c.stream), c.errors.record(), index_site, cursor_site);
}

}  // namespace

void CudaBackend::copy_from_host(Tensor& dst, const void* src, size_t byte_offset, size_t bytes) {
  JDNN_CUDA_OP("copy_from_host");
  Context& c = jdnn_op.ctx;
  // Staging lets the caller reuse its buffer at once while the transfer runs from pinned memory.
  // In chunks, so a large tensor pins no more than the staging cap (each chunk waits only for
  // its buffer's previous transfer).
  char* to = static_cast<char*>(dst.storage->data) + byte_offset;
  const char* from = static_cast<const char*>(src);
  for (size_t done = 0; done < bytes;) {
    const size_t n = std::min(c.copy_chunk_bytes, bytes - done);
    void* staging = c.upload_staging(n);
    std::memcpy(staging, from + done, n);
    JDNN_CUDA_CHECK(cudaMemcpyAsync(to + done, staging, n, cudaMemcpyHostToDevice, c.stream));
    c.mark_upload_queued(c.stream);
    count(counters().h2d_bytes, static_cast<int64_t>(n));
    done += n;
  }
}

void CudaBackend::copy_from_host_async(Tensor& dst, const void* src, size_t bytes) {
  JDNN_CUDA_OP("copy_from_host_async");
  jdnn_op.ctx.upload_async(dst, src, bytes);
}

void CudaBackend::await_upload(Tensor& t) {
  JDNN_CUDA_OP("await_upload");
  // A capture records the compute stream only: waiting there on the copy stream's event would
  // make the graph depend on work outside it.
  JDNN_CHECK_AS(ErrorKind::DEVICE, !graph_capturing(), "a prefetched tensor ", t.describe(),
                " was first used inside a CUDA graph capture, which cannot wait for the copy stream; use it "
                "before the capture (copy it into the graph's static input)");
  jdnn_op.ctx.await_upload(t.storage->data);
}

void CudaBackend::copy_to_host(const Tensor& src, void* dst, size_t byte_offset, size_t bytes) {
  JDNN_CUDA_OP("copy_to_host");
  Context& c = jdnn_op.ctx;
  // Chunked like uploads, one wait per chunk, so the pinned download buffer stays within a chunk.
  // The first wait also reads the device error record, so an error an earlier op's kernels
  // recorded is raised here, before the data it spoiled reaches the caller.
  const char* from = static_cast<const char*>(src.storage->data) + byte_offset;
  char* to = static_cast<char*>(dst);
  for (size_t done = 0; done < bytes;) {
    const size_t n = std::min(c.copy_chunk_bytes, bytes - done);
    void* staging = c.download_staging(n);
    if (done == 0) c.errors.before_wait(c.stream);
    JDNN_CUDA_CHECK(cudaMemcpyAsync(staging, from + done, n, cudaMemcpyDeviceToHost, c.stream));
    JDNN_CUDA_CHECK(wait_for_stream(c.stream));
    if (done == 0) c.errors.after_wait(c.stream, "a copy to the host");
    std::memcpy(to + done, staging, n);
    count(counters().d2h_bytes, static_cast<int64_t>(n));
    done += n;
  }
}

void CudaBackend::fill(Tensor& t, double value) {
  JDNN_CUDA_OP("fill");
  cudaStream_t s = jdnn_op.ctx.stream;
  if (value == 0.0 && !std::signbit(value)) {
    JDNN_CUDA_CHECK(cudaMemsetAsync(t.storage->data, 0, t.numel * dtype_size(t.dtype), s));
    return;
  }
  with_dtype(t.dtype, [&](auto zero) {
    using T = decltype(zero);
    fill_typed<T>(t, static_cast<T>(value), s);
  });
}

void CudaBackend::add_int(Tensor& t, int64_t delta) {
  JDNN_CUDA_OP("add_int");
  cudaStream_t s = jdnn_op.ctx.stream;
  const auto d = static_cast<uint64_t>(delta);
  if (t.dtype == DType::INT32) launch_n(add_int_kernel<int32_t, uint32_t>, t.numel, s, t.data<int32_t>(), t.numel, d);
  else launch_n(add_int_kernel<int64_t, uint64_t>, t.numel, s, t.data<int64_t>(), t.numel, d);
}

void CudaBackend::convert(const Tensor& src, Tensor& dst) {
  JDNN_CUDA_OP("convert");
  cudaStream_t s = jdnn_op.ctx.stream;
  if (src.dtype == dst.dtype) {
    if (src.storage->data != dst.storage->data)
      JDNN_CUDA_CHECK(cudaMemcpyAsync(dst.storage->data, src.storage->data, src.numel * dtype_size(src.dtype),
                                      cudaMemcpyDeviceToDevice, s));
    return;
  }
  with_dtype(dst.dtype, [&](auto zero) { convert_into<decltype(zero)>(src, dst, s); });
}

void CudaBackend::gather_rows(const Tensor& src, const Tensor& index, Tensor& dst) {
  JDNN_CUDA_OP("gather_rows");
  Context& c = jdnn_op.ctx;
  const int64_t rows = src.shape.empty() ? 1 : src.shape[0];
  if (index.numel == 0 || rows == 0) {
    JDNN_CHECK(index.numel == 0, "gather_rows: index ", index.describe(), " into a tensor with no rows");
    return;
  }
  const int64_t row_bytes = src.numel / rows * static_cast<int64_t>(dtype_size(src.dtype));
  // A bad index is recorded on the device and raised at the next synchronizing call.
  const ErrorSite site = c.errors.site(c.stream, DeviceCheck::GATHER_ROWS_INDEX, rows);
  DeviceErrorRecord* errors = c.errors.record();
  const bool wide = row_bytes % 4 == 0;  // move 4-byte words when rows allow it
  const int64_t words = wide ? row_bytes / 4 : row_bytes;
  if (index.dtype == DType::INT32) {
    if (wide) gather_typed<uint32_t, int32_t>(src, index, dst, words, rows, errors, site, c.stream);
    else gather_typed<uint8_t, int32_t>(src, index, dst, words, rows, errors, site, c.stream);
  } else {
    if (wide) gather_typed<uint32_t, int64_t>(src, index, dst, words, rows, errors, site, c.stream);
    else gather_typed<uint8_t, int64_t>(src, index, dst, words, rows, errors, site, c.stream);
  }
}

void CudaBackend::gather_rows_pair(const Tensor& src_a, const Tensor& src_b, const Tensor& index, Tensor& dst_a,
                                   Tensor& dst_b) {
  JDNN_CUDA_OP("gather_rows");
  Context& c = jdnn_op.ctx;
  const int64_t rows = src_a.shape[0];  // the facade checked src_b has as many
  if (index.numel == 0 || rows == 0) {
    JDNN_CHECK(index.numel == 0, "gather_rows: index ", index.describe(), " into a tensor with no rows");
    return;
  }
  const int64_t bytes_a = src_a.numel / rows * static_cast<int64_t>(dtype_size(src_a.dtype));
  const int64_t bytes_b = src_b.numel / rows * static_cast<int64_t>(dtype_size(src_b.dtype));
  const ErrorSite site = c.errors.site(c.stream, DeviceCheck::GATHER_ROWS_INDEX, rows);
  DeviceErrorRecord* errors = c.errors.record();
  const bool wide = bytes_a % 4 == 0 && bytes_b % 4 == 0;  // 4-byte words when both rows allow it
  const int64_t wa = wide ? bytes_a / 4 : bytes_a, wb = wide ? bytes_b / 4 : bytes_b;
  if (index.dtype == DType::INT32) {
    if (wide) gather_pair_typed<uint32_t, int32_t>(src_a, src_b, index, dst_a, dst_b, wa, wb, rows, errors, site, c.stream);
    else gather_pair_typed<uint8_t, int32_t>(src_a, src_b, index, dst_a, dst_b, wa, wb, rows, errors, site, c.stream);
  } else {
    if (wide) gather_pair_typed<uint32_t, int64_t>(src_a, src_b, index, dst_a, dst_b, wa, wb, rows, errors, site, c.stream);
    else gather_pair_typed<uint8_t, int64_t>(src_a, src_b, index, dst_a, dst_b, wa, wb, rows, errors, site, c.stream);
  }
}

void CudaBackend::gather_rows_next(const Tensor& src_a, const Tensor& src_b, const Tensor& order, Tensor& cursor,
                                   Tensor& dst_a, Tensor& dst_b) {
  JDNN_CUDA_OP("gather_rows_next");
  Context& c = jdnn_op.ctx;
  const int64_t rows = src_a.shape[0];  // the facade checked src_b has as many
  JDNN_CHECK(dst_a.shape[0] > 0 && rows > 0, "gather_rows_next: a batch of ", dst_a.shape[0], " rows from ", rows);
  const int64_t bytes_a = src_a.numel / rows * static_cast<int64_t>(dtype_size(src_a.dtype));
  const int64_t bytes_b = src_b.numel / rows * static_cast<int64_t>(dtype_size(src_b.dtype));
  const bool wide = bytes_a % 4 == 0 && bytes_b % 4 == 0;
  const int64_t wa = wide ? bytes_a / 4 : bytes_a, wb = wide ? bytes_b / 4 : bytes_b;
  if (order.dtype == DType::INT32) {
    if (wide) gather_next_typed<uint32_t, int32_t>(src_a, src_b, order, cursor, dst_a, dst_b, wa, wb, rows, c);
    else gather_next_typed<uint8_t, int32_t>(src_a, src_b, order, cursor, dst_a, dst_b, wa, wb, rows, c);
  } else {
    if (wide) gather_next_typed<uint32_t, int64_t>(src_a, src_b, order, cursor, dst_a, dst_b, wa, wb, rows, c);
    else gather_next_typed<uint8_t, int64_t>(src_a, src_b, order, cursor, dst_a, dst_b, wa, wb, rows, c);
  }
}

}  // namespace jdnn::cuda
