// Binds the vendor table to the CPU emulation of cuBLAS and cuDNN.
#include "cuda/emu/emu_internal.h"
#include "cuda/emu/vendor_emu.h"
#include "cuda/vendor_binding.h"

namespace jdnn::vendor {

namespace {

// An emulated entry that computes at the call (not yet through enqueue()) must see the
// work queued before it done: every queued item runs first. Entries that queue their
// compute through enqueue() need no such wrapper; remove it once all of them do.
template <auto Entry>
struct AfterQueuedWork;
template <class Ret, class... Args, Ret (*Entry)(Args...)>
struct AfterQueuedWork<Entry> {
  static Ret call(Args... args) {
    cuda::emu::drain_all();
    return Entry(args...);
  }
};

}  // namespace

std::string bind_vendor() {
  VendorTable& t = mutable_vendor();
#define JDNN_VENDOR_EMU_BIND(lib, name, ret, params) t.name = &AfterQueuedWork<&emu::name>::call;
  JDNN_VENDOR_FUNCTIONS(JDNN_VENDOR_EMU_BIND)
#undef JDNN_VENDOR_EMU_BIND
  mark_vendor_bound();
  return "";
}

std::string vendor_versions() { return "cuBLAS and cuDNN emulated on the CPU"; }

}  // namespace jdnn::vendor
