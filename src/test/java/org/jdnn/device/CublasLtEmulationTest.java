package org.jdnn.device;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The cuBLASLt emulation entry by entry: native/test/cublaslt_emu_test.cpp, built beside libjdnn_cuda_emu, checks
 * every emulated epilogue (bias, ReLU, ReLU with its mask, dReLU, the bias gradients) over every operation pair,
 * padded leading dimensions, alpha/beta, float32, TF32 and float64 against a float64 reference written from the
 * cuBLASLt documentation, the argument statuses, and planted defects (a short or host bias, a wrong aux leading
 * dimension, a short aux buffer or workspace, a freed output, descriptors changed after the call). The fused Linear
 * reaches only the bias and ReLU forms through the Java API; the parity tests cover that path.
 */
class CublasLtEmulationTest {
  @Test
  void emulatedCublasLtFollowsTheReference() throws Exception {
    NativeChecks.assertPasses(NativeChecks.program("jdnn_cublaslt_emu_test"), 60);
  }
}
