package org.jdnn.optim;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * Adam's float32 loop built for AVX-512 (native/src/cpu/optim_adam_avx512.cpp) gives the bits of
 * the baseline loop: native/test/adam_avx512_test.cpp runs both over every variant (AMSGrad,
 * AdamW), both lerp branches and special values and compares every bit. The per-tensor and fused
 * paths both take the AVX-512 loop on such a CPU, so FusedOptimizerTest alone could not see a
 * difference between the two loops. Compiling that file with -ffp-contract=fast makes 96 of the
 * 192 checks fail.
 */
class AdamAvx512Test {
  @Test
  void avx512LoopGivesTheBaselineBits() throws Exception {
    String out = NativeChecks.assertPasses(NativeChecks.coreProgram("jdnn_adam_avx512_test"), 120);
    assumeFalse(out.contains("skipped:"), out.trim());
  }
}
