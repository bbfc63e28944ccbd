// Adam's float32 element loop for AVX-512 CPUs (optim_adam_avx512.cpp says why and how it keeps
// kernels::adam_update's bits).
#pragma once
#include <cstdint>

#include "kernels/optim.h"

namespace jdnn::cpu {

// Runs adam_update<amsgrad, decoupled> over elements [b, e); mx is read only when amsgrad. Call
// only when the CPU has AVX-512 F/BW/VL/DQ, FMA and AVX2. Returns false, doing nothing, when this
// build could not compile the AVX-512 loop.
bool adam_range_f32_avx512(bool amsgrad, bool decoupled, float* ps, const float* gs, float* ms, float* vs,
                           float* mx, int64_t b, int64_t e, const kernels::AdamConstants<float>& c);

}  // namespace jdnn::cpu
