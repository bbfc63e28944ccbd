package org.jdnn.device;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The strictness of the emulated cuBLAS and cuDNN, defect by defect (native/test/vendor_strict_emu_test.cpp): queued
 * work that owns its descriptors and scalars, stale descriptors, a math type other than Find reported, TF32 rounding
 * under default math, workspace per algorithm and math type, a batch-norm backward epsilon other than the forward's,
 * host and short buffers, tensors over 2^31 elements and the backend's own limit check. Each check is shown failing
 * on a planted defect; the Java-visible halves are BatchNormParityTest (epsilon) and ConvParityTest (TF32).
 */
class VendorStrictEmulationTest {
  @Test
  void plantedDefectsAreReported() throws Exception {
    NativeChecks.assertPasses(NativeChecks.program("jdnn_vendor_strict_emu_test"), 60);
  }
}
