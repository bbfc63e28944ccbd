// float16 and bfloat16 are storage types. An element-wise op or reduction given them runs the
// backend's float32 op on float32 copies made on the tensors' device and rounds the result back
// to the storage type once: PyTorch's semantics for these types (compute in float32, round once),
// on every backend with no half-precision kernel of its own, at the cost of the copies.
#pragma once
#include <memory>

#include "core/api/checks.h"
#include "core/codes.h"
#include "core/tensor.h"

namespace jdnn {

// A float32 tensor of t's shape on t's device (uninitialized).
inline Tensor float32_like(const Tensor& t) {
  Tensor w;
  w.dtype = DType::FLOAT32;
  w.device = t.device;
  w.shape = t.shape;
  w.numel = t.numel;
  w.storage = std::make_shared<Storage>(t.device, static_cast<size_t>(t.numel) * sizeof(float));
  return w;
}

// t itself (sharing its storage) unless it is float16/bfloat16; then a float32 copy of it.
inline Tensor widened(const Tensor& t) {
  if (!is_half(t.dtype)) return t;
  Tensor w = float32_like(t);
  backend_of(t).convert(t, w);
  return w;
}

// Where an op writes out: out itself (sharing its storage) unless it is float16/bfloat16, then a
// float32 scratch (uninitialized: the ops that use it only write their output) that narrow_back
// rounds into out.
inline Tensor wide_output(const Tensor& out) {
  if (!is_half(out.dtype)) return out;
  return float32_like(out);
}

// out = wide rounded to out's type, when wide is the scratch wide_output gave for it.
inline void narrow_back(const Tensor& wide, Tensor& out) {
  if (wide.storage != out.storage) backend_of(out).convert(wide, out);
}

}  // namespace jdnn
