// The CPU backend. Its ops are the rows of jdnn/ops.def marked BOTH or CPU,
// implemented one family per file under the family's stem (cpu/<stem>.cpp
// beside cuda/<stem>.cu), so each op's CPU code sits beside its CUDA twin.
#pragma once
#include "core/backend.h"

namespace jdnn::cpu {

class CpuBackend final : public Backend {
 public:
  Device device() const override { return Device::CPU; }
  JDNN_BACKEND_OVERRIDES(CPU)
};

// Calls f(T{}) with T = float or double for a float tensor's dtype.
template <class F>
void with_float_type(DType dtype, F&& f) {
  if (dtype == DType::FLOAT32) f(float{});
  else if (dtype == DType::FLOAT64) f(double{});
  else fail("expected a float32 or float64 tensor, got ", dtype_name(dtype));
}

// Element-wise work below this many elements stays on the calling thread:
// waking a worker costs more than it saves.
constexpr int64_t kElementwiseGrain = 32768;

}  // namespace jdnn::cpu
