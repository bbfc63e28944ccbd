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

  size_t size() const { return params.size(); }
  // State kind j of parameter k, or null when the configuration keeps none.
  Tensor* state(int j, size_t k) const { return states[j].empty() ? nullptr : states[j][k]; }
};

}  // namespace jdnn
