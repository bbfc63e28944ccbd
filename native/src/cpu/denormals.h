// Scoped flush-to-zero / denormals-are-zero for the calling thread.
//
// Optimizer state decays geometrically where gradients are zero (Adam's first
// moment by 0.9 a step), so after a few hundred steps many values are float
// denormals, and x86 arithmetic on denormals is ~100x slower: W1's Adam step went
// from 0.3 ms to 3 ms by its second epoch. Values below 1.2e-38 carry no weight in
// an update, so the optimizer loops flush them. The previous MXCSR is restored on
// exit because the same threads run JVM code, which must keep IEEE semantics.
#pragma once
#if defined(__SSE2__) || defined(__x86_64__)
#include <xmmintrin.h>
#define JDNN_HAVE_MXCSR 1
#endif

namespace jdnn::cpu {

class FlushDenormals {
 public:
  FlushDenormals() {
#ifdef JDNN_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
#endif
  }
  ~FlushDenormals() {
#ifdef JDNN_HAVE_MXCSR
    _mm_setcsr(saved_);
#endif
  }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
#ifdef JDNN_HAVE_MXCSR
  static constexpr unsigned kFlushToZero = 0x8000;      // MXCSR bit 15
  static constexpr unsigned kDenormalsAreZero = 0x0040;  // MXCSR bit 6
  unsigned saved_ = 0;
#endif
};

}  // namespace jdnn::cpu
