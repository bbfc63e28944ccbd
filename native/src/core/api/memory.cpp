// Facade: fill, integer add, dtype conversion, row gather, transfers between devices, allocator counters.
#include <utility>
#include <vector>

#include "core/allocator.h"
#include "core/api/checks.h"
#include "core/status.h"

namespace jdnn {

int tensor_fill(int64_t h, double value) noexcept {
  return status_of([&] {
    Tensor& t = tensor_ref(h);
    backend_of(t).fill(t, value);
  });
}

int tensor_add_int(int64_t h, int64_t delta) noexcept {
  return status_of([&] {
    Tensor& t = tensor_ref(h);
    JDNN_CHECK(t.dtype == DType::INT32 || t.dtype == DType::INT64, "add_int: expected an int32 or int64 tensor, got ",
               t.describe());
    if (t.numel > 0) backend_of(t).add_int(t, delta);
  });
}

int tensor_copy(int64_t src, int64_t dst) noexcept {
  return status_of([&] {
    const Tensor& s = tensor_ref(src);
    Tensor& d = tensor_ref(dst);
    require_same_device("copy", s, d);
    require_same_numel("copy", s, d);
    backend_of(d).convert(s, d);
  });
}

int tensor_gather_rows(int64_t src, int64_t index, int64_t dst) noexcept {
  return status_of([&] {
    const Tensor &s = tensor_ref(src), &i = tensor_ref(index);
    Tensor& d = tensor_ref(dst);
    JDNN_CHECK(s.ndim() >= 1, "gather_rows: source must have a row dimension, got ", s.describe());
    require_index_dtype("gather_rows", i, "index");
    require_like("gather_rows", s, d);
    require_same_device("gather_rows", s, i);
    const int64_t row = s.shape[0] == 0 ? 0 : s.numel / s.shape[0];
    JDNN_CHECK(d.numel == i.numel * row, "gather_rows: destination ", d.describe(), " must hold ",
               i.numel, " rows of ", row);
    backend_of(d).gather_rows(s, i, d);
  });
}

int tensor_gather_rows_pair(int64_t src_a, int64_t src_b, int64_t index, int64_t dst_a, int64_t dst_b) noexcept {
  return status_of([&] {
    const Tensor &a = tensor_ref(src_a), &b = tensor_ref(src_b), &i = tensor_ref(index);
    Tensor &da = tensor_ref(dst_a), &db = tensor_ref(dst_b);
    require_index_dtype("gather_rows", i, "index");
    for (auto [s, d] : {std::pair<const Tensor*, Tensor*>{&a, &da}, {&b, &db}}) {
      JDNN_CHECK(s->ndim() >= 1, "gather_rows: source must have a row dimension, got ", s->describe());
      require_like("gather_rows", *s, *d);
      require_same_device("gather_rows", *s, i);
      const int64_t row = s->shape[0] == 0 ? 0 : s->numel / s->shape[0];
      JDNN_CHECK(d->numel == i.numel * row, "gather_rows: destination ", d->describe(), " must hold ", i.numel,
                 " rows of ", row);
    }
    JDNN_CHECK(a.shape[0] == b.shape[0], "gather_rows: the two sources of one index must have as many rows, got ",
               a.describe(), " and ", b.describe());
    backend_of(da).gather_rows_pair(a, b, i, da, db);
  });
}

int tensor_gather_rows_next(int64_t src_a, int64_t src_b, int64_t order, int64_t cursor, int64_t dst_a,
                            int64_t dst_b) noexcept {
  return status_of([&] {
    const Tensor &a = tensor_ref(src_a), &b = tensor_ref(src_b), &o = tensor_ref(order);
    Tensor &c = tensor_ref(cursor), &da = tensor_ref(dst_a), &db = tensor_ref(dst_b);
    require_index_dtype("gather_rows_next", o, "order");
    JDNN_CHECK(o.ndim() == 1, "gather_rows_next: the order must be one-dimensional, got ", o.describe());
    JDNN_CHECK(c.dtype == DType::INT64 && c.numel == 1, "gather_rows_next: the cursor must be one int64, got ",
               c.describe());
    require_same_device("gather_rows_next", o, c);
    JDNN_CHECK(da.ndim() >= 1 && db.ndim() >= 1 && da.shape[0] == db.shape[0],
               "gather_rows_next: the destinations must have as many rows, got ", da.describe(), " and ",
               db.describe());
    for (auto [s, d] : {std::pair<const Tensor*, Tensor*>{&a, &da}, {&b, &db}}) {
      JDNN_CHECK(s->ndim() == d->ndim(), "gather_rows_next: source ", s->describe(), " and destination ",
                 d->describe(), " differ in rank");
      require_like("gather_rows_next", *s, *d);
      require_same_device("gather_rows_next", *s, o);
      for (size_t k = 1; k < s->shape.size(); ++k) {
        JDNN_CHECK(s->shape[k] == d->shape[k], "gather_rows_next: destination ", d->describe(),
                   " must have the rows of ", s->describe());
      }
    }
    JDNN_CHECK(a.shape[0] == b.shape[0], "gather_rows_next: the two sources must have as many rows, got ",
               a.describe(), " and ", b.describe());
    JDNN_CHECK(da.shape[0] <= o.numel, "gather_rows_next: a batch of ", da.shape[0], " rows from an order of ",
               o.numel);
    backend_of(da).gather_rows_next(a, b, o, c, da, db);
  });
}

namespace {

// Tensor.to's copy; `prefetch` puts a host-to-device copy on the device's copy stream.
void transfer(const Tensor& s, Tensor& d, bool prefetch) {
  require_same_dtype("to", s, d);
  require_same_numel("to", s, d);
  const size_t bytes = s.numel * dtype_size(s.dtype);
  if (bytes == 0) return;
  if (s.device == d.device) {
    backend_of(d).convert(s, d);
  } else if (s.device == Device::CPU) {
    if (prefetch) backend_of(d).copy_from_host_async(d, s.data<char>(), bytes);
    else backend_of(d).copy_from_host(d, s.data<char>(), 0, bytes);
  } else if (d.device == Device::CPU) {
    backend_of(s).copy_to_host(s, d.data<char>(), 0, bytes);
  } else {  // device to device through the host
    std::vector<char> staging(bytes);
    backend_of(s).copy_to_host(s, staging.data(), 0, bytes);
    backend_of(d).copy_from_host(d, staging.data(), 0, bytes);
  }
}

}  // namespace

int tensor_transfer(int64_t src, int64_t dst) noexcept {
  return status_of([&] { transfer(tensor_ref(src), tensor_ref(dst), false); });
}

int tensor_transfer_async(int64_t src, int64_t dst) noexcept {
  return status_of([&] { transfer(tensor_ref(src), tensor_ref(dst), true); });
}

int64_t memory_bytes_in_use(int device) noexcept {
  return value_or<int64_t>(-1, [&] { return allocator_for(device_of(device)).bytes_in_use(); });
}

int64_t memory_bytes_cached(int device) noexcept {
  return value_or<int64_t>(-1, [&] { return allocator_for(device_of(device)).bytes_cached(); });
}

int memory_release_cached(int device) noexcept {
  return status_of([&] { allocator_for(device_of(device)).release_cached(); });
}

}  // namespace jdnn
