// For the two binders only (vendor_load.cpp for the real libraries,
// emu/vendor_emu.cpp for the emulation): the table they fill.
#pragma once
#include "cuda/vendor.h"

namespace jdnn::vendor {

VendorTable& mutable_vendor();
// Marks the table complete (every entry non-null) or throws naming the first missing entry.
void mark_vendor_bound();

}  // namespace jdnn::vendor
