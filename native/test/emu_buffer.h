// An emulated device buffer for the native check programs that drive the emulated vendor
// libraries directly: exactly `count` elements from the emulated cudaMalloc (so the strict
// runtime checks every pointer against its size), filled through the host pointer the
// emulation hands out, freed on scope exit.
#pragma once
#include <cstddef>

#include "cuda/emu/vendor_emu.h"

namespace jdnn_test {

template <class T>
struct Buf {
  T* p = nullptr;
  size_t n;
  explicit Buf(size_t count, T fill = T(0)) : n(count) {
    cudaMalloc(reinterpret_cast<void**>(&p), count * sizeof(T));
    for (size_t i = 0; i < n; ++i) p[i] = fill;
  }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { cudaFree(p); }
};

}  // namespace jdnn_test
