// A table of tensors passed to a kernel by value, in its parameter space, so one launch can work
// on a whole parameter group without copying a pointer table to the device first: no upload, no
// allocation, nothing to keep in step when gradients are re-created each step.
//
// The table must fit, with the kernel's other arguments, in the kernel parameter limit: 4,096
// bytes, the limit on every architecture and toolkit (CUDA 12.1 raised it to 32,764 bytes on
// Volta and newer with a recent driver; jdnn does not rely on that). runtime.h's launch() checks
// the limit at compile time for every kernel, in the nvcc and emulation builds alike. A group
// larger than kCapacity takes ceil(n / kCapacity) launches (for_each_table).
//
// Under the emulation, each table entry's whole range (numel elements) is checked against live
// device allocations at launch, as plain pointer arguments are (emu/cuda_runtime_emu.h).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/tensor.h"
#include "core/tensor_group.h"
#include "cuda/runtime.h"

namespace jdnn::cuda {

// What a table may take of the kernel parameter limit (kMaxKernelParamBytes, runtime.h): the rest
// is left for a kernel's other arguments (an optimizer's constants, a few pointers).
constexpr size_t kTableBytes = 3584;

// Up to kCapacity tensors of element type T: data[k] (numel[k] elements), for optimizers the
// gradient grad[k] and STATES state tensors (null where the configuration keeps none), and NS
// per-tensor values of type S (an optimizer's per-parameter step constants).
template <class T, int STATES, class S = char, int NS = 0>
struct TensorTable {
  using element_type = T;
  // the arrays below keep one row of states and scalars even when there are none
  static constexpr int kStateRows = STATES > 0 ? STATES : 1, kScalarRows = NS > 0 ? NS : 1;
  static constexpr size_t kEntryBytes =
      sizeof(int64_t) + (2 + kStateRows) * sizeof(void*) + static_cast<size_t>(kScalarRows) * sizeof(S);
  static constexpr int kCapacity = static_cast<int>((kTableBytes - sizeof(int64_t)) / kEntryBytes);

  int count;
  int64_t numel[kCapacity];
  T* data[kCapacity];
  const T* grad[kCapacity];
  T* state[kStateRows][kCapacity];
  S scalar[kScalarRows][kCapacity];

  // The emulation's launch check: f(pointer, bytes) for every pointer the kernel will use.
  template <class F>
  bool each_range(F&& f) const {
    for (int k = 0; k < count; ++k) {
      const size_t bytes = static_cast<size_t>(numel[k]) * sizeof(T);
      bool ok = f(data[k], bytes) && f(grad[k], bytes);
      for (int j = 0; j < STATES; ++j) ok = ok && f(state[j][k], bytes);
      if (!ok) return false;
    }
    return true;
  }
  using emu_pointer_table = void;  // tells the emulation's launch to call each_range
};
static_assert(sizeof(TensorTable<double, 3, double, 2>) <= kTableBytes && sizeof(TensorTable<float, 0>) <= kTableBytes,
              "a table outgrows kTableBytes");

// Fills tables of at most kCapacity tensors with group members [first, first + count) and calls
// launch(table, first) for each: fill(table, slot, k) sets the op's fields of member k.
template <class Table, class Fill, class Launch>
void for_each_table(size_t n, Fill&& fill, Launch&& launch) {
  for (size_t first = 0; first < n; first += Table::kCapacity) {
    Table table{};
    table.count = static_cast<int>(std::min<size_t>(Table::kCapacity, n - first));
    for (int slot = 0; slot < table.count; ++slot) fill(table, slot, first + slot);
    launch(table, first);
  }
}

}  // namespace jdnn::cuda
