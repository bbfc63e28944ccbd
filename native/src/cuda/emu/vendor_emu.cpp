// Binds the vendor table to the CPU emulation of cuBLAS and cuDNN.
#include "cuda/emu/vendor_emu.h"
#include "cuda/vendor_binding.h"

namespace jdnn::vendor {

std::string bind_vendor() {
  VendorTable& t = mutable_vendor();
#define JDNN_VENDOR_EMU_BIND(lib, name, ret, params) t.name = &emu::name;
  JDNN_VENDOR_FUNCTIONS(JDNN_VENDOR_EMU_BIND)
#undef JDNN_VENDOR_EMU_BIND
  mark_vendor_bound();
  return "";
}

std::string vendor_versions() { return "cuBLAS and cuDNN emulated on the CPU"; }

}  // namespace jdnn::vendor
