// Tensor handles as Java holds them, and the pins that keep a tensor alive while an op uses it.
//
// A handle is a slot index and a generation, never a pointer: a handle whose tensor was closed, or a
// stale copy of one, is recognized as closed instead of being dereferenced. Every facade function
// that takes handles opens an ApiCall; each tensor_ref inside it pins the handle until the call
// returns. Closing a pinned tensor only marks it closed (later pins fail) and the last unpin frees
// it. So a tensor closed by one thread while another computes with it is freed when that op ends,
// and an op that starts after the close fails with "closed" instead of reading reused memory.
#pragma once
#include <cstdint>
#include <memory>

#include "core/tensor.h"

namespace jdnn {

// Takes ownership of t; returns its handle (never 0).
int64_t handle_create(std::unique_ptr<Tensor> t);

// Marks the tensor closed; frees it now, or when the last op using it returns. A second close of the
// same handle, or a handle jdnn never issued, throws.
void handle_close(int64_t handle);

// Pins handle until the innermost open ApiCall of this thread ends and returns its tensor. Throws
// when the tensor is closed, or (an internal error) when no ApiCall is open.
Tensor& tensor_ref(int64_t handle);

// One facade call: the pins taken inside it are released when it ends, also on an exception.
class ApiCall {
 public:
  ApiCall() noexcept;
  ~ApiCall();
  ApiCall(const ApiCall&) = delete;
  ApiCall& operator=(const ApiCall&) = delete;

 private:
  size_t first_pin_;
};

// Handles created and not yet freed (closed tensors still pinned by an op count until it returns).
int64_t live_handles();

}  // namespace jdnn
