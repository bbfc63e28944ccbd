// The CPU backend's registration, and the facade calls that only the CPU answers: its thread
// count and which GEMM kernels it runs. They live here, not in core/api/, so the facade never
// sees the CPU's GEMM headers.
#include "core/status.h"
#include "cpu/cpu_backend.h"
#include "cpu/gemm.h"
#include "cpu/gemm_bf16.h"
#include "cpu/thread_pool.h"
#include "jdnn/jdnn.h"

namespace jdnn {

namespace {
// Registered when libjdnn loads: the CPU backend is always present.
struct Registration {
  Registration() {
    static cpu::CpuBackend backend;
    register_backend(Device::CPU, &backend);
  }
} registration;
}  // namespace

int cpu_num_threads() noexcept { return cpu::num_threads(); }
int cpu_set_num_threads(int n) noexcept {
  return status_of([&] { cpu::set_num_threads(n); });
}
const char* cpu_gemm_kernel() noexcept { return cpu::sgemm_kernel_name(); }

// The packed layout is the CPU's; the CUDA backend sizes its own (smaller) packing to fit it.
int64_t bf16_packed_numel(int64_t out, int64_t in) noexcept {
  return value_or<int64_t>(-1, [&] {
    JDNN_CHECK(out > 0 && in > 0, "bf16_packed_numel: sizes must be positive, got out=", out, ", in=", in);
    return cpu::bf16_packed_words(out, in);
  });
}

const char* cpu_bf16_kernel() noexcept { return cpu::bf16_kernel_name(); }
bool cpu_bf16_force_kernel(const char* name) noexcept { return cpu::bf16_force_kernel(name); }

}  // namespace jdnn
