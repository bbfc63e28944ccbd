// Native tensor: a shape and dtype over reference-counted device storage.
// Always contiguous row-major; a view (reshape) shares the storage.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/codes.h"
#include "core/error.h"

namespace jdnn {

// Bytes obtained from a device allocator; returned to it on destruction.
struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  Device device = Device::CPU;
  // Set by a prefetched upload still unknown to the compute stream (cuda/context.h, upload_async);
  // tensor_ref then has the backend order it before the op that uses the tensor.
  std::atomic<bool> upload_pending{false};
  Storage(Device device, size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct Tensor {
  std::shared_ptr<Storage> storage;
  DType dtype = DType::FLOAT32;
  Device device = Device::CPU;
  std::vector<int64_t> shape;
  int64_t numel = 0;

  template <class T>
  T* data() const { return static_cast<T*>(storage->data); }
  int ndim() const { return static_cast<int>(shape.size()); }
  int64_t dim(int i) const { return shape[i < 0 ? shape.size() + i : i]; }
  std::string describe() const;  // "float32[128, 784] on cpu"
};

int64_t shape_numel(const int64_t* shape, int ndim);
std::string shape_string(const std::vector<int64_t>& shape);

// Checks used by every op entry point; each throws with op name and values.
void require_float(const char* op, const Tensor& t, const char* what);
// Also float16/bfloat16, for the ops that widen them to float32 (core/api/widen.h).
void require_float_or_half(const char* op, const Tensor& t, const char* what);
void require_same_dtype(const char* op, const Tensor& a, const Tensor& b);
void require_same_device(const char* op, const Tensor& a, const Tensor& b);
void require_same_numel(const char* op, const Tensor& a, const Tensor& b);

}  // namespace jdnn
