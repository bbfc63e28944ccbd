// The tensors of one multi-tensor call: an optimizer step over a parameter group, or gradient
// clipping over a list of gradients, issued as one native call (one kernel launch on CUDA) instead
// of one per tensor. Built and checked by the facade (core/api/optim.cpp) from arrays of handles.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace jdnn {

struct TensorGroup {
  // Updated in place: an optimizer's parameters, or the gradients clipping scales. The facade
  // checks that they are distinct, of one device and, for optimizer steps, of one float dtype.
  std::vector<Tensor*> params;
  // Read only, one per parameter (empty for clipping), of its parameter's dtype and size.
  std::vector<const Tensor*> grads;
  // The optimizer's state tensors, up to three kinds (which is which is the op's; jdnn.h says):
  // a kind the configuration keeps holds one tensor per parameter, a kind it keeps not is empty.
  std::array<std::vector<Tensor*>, 3> states;
  // Per parameter: its 1-based update count (Adam, AdaGrad) or 1 when its momentum buffer is used
  // for the first time, else 0 (SGD); empty when the op needs neither.
  std::vector<int64_t> steps;

  // Loss scaling's guard (float16 training, org.jdnn.optim.GradScaler): both null, or both set, and
  // then the step is decided and counted on the device, with no host read. found_inf is a float32
  // scalar: when it is not 0, nothing changes (parameters, state, counts). step_counts is an int64
  // tensor holding each optimizer parameter's update count; member k's is step_counts[slots[k]].
  // A guarded step takes member k's step as that count + 1 (Adam, AdaGrad: `steps` stays empty),
  // SGD's first use when the count is 0 or steps[k] (the host's first-use flag) says so, and adds 1
  // to the count when it updates.
  const Tensor* found_inf = nullptr;
  Tensor* step_counts = nullptr;
  std::vector<int64_t> slots;

  size_t size() const { return params.size(); }
  bool guarded() const { return found_inf != nullptr; }
  // State kind j of parameter k, or null when the configuration keeps none.
  Tensor* state(int j, size_t k) const { return states[j].empty() ? nullptr : states[j][k]; }
};

}  // namespace jdnn
