// CPU backend entry points of the bf16 inference Linear; the arithmetic is in gemm_bf16*.cpp.
#include "cpu/cpu_backend.h"
#include "cpu/gemm_bf16.h"

namespace jdnn::cpu {

void CpuBackend::bf16_pack_weight(const Tensor& w, Tensor& packed) {
  cpu::bf16_pack_weight(w.data<float>(), w.dim(0), w.dim(1), packed.data<uint32_t>());
}

void CpuBackend::linear_bf16(const Tensor& x, const Tensor& packed, const Tensor* bias, Tensor& y, bool relu) {
  cpu::linear_bf16(x.data<float>(), x.dim(0), x.dim(1), packed.data<uint32_t>(), y.dim(1),
                   bias != nullptr ? bias->data<float>() : nullptr, relu, y.data<float>());
}

}  // namespace jdnn::cpu
