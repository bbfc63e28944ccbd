// The emulated cuBLAS and cuDNN entries, one per vendor table entry, with the
// vendor's signatures (emu/cublas.cpp, emu/cudnn.cpp).
#pragma once
#include "cuda/vendor.h"

namespace jdnn::vendor::emu {

#define JDNN_VENDOR_EMU_DECL(lib, name, ret, params) ret name params;
JDNN_VENDOR_FUNCTIONS(JDNN_VENDOR_EMU_DECL)
#undef JDNN_VENDOR_EMU_DECL

}  // namespace jdnn::vendor::emu
