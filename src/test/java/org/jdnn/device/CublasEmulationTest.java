package org.jdnn.device;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The cuBLAS emulation entry by entry: native/test/cublas_emu_test.cpp, built beside libjdnn_cuda_emu, checks every
 * operation pair with padded leading dimensions, alpha/beta and the NaN rules, strided batches, cublasGemmEx's type
 * combinations, math modes and the error statuses against a triple loop and the cuBLAS reference. Those cases are
 * not reachable through the Java API (which always passes tight leading dimensions and valid arguments), hence a
 * native program; the parity tests cover the path through the backend.
 */
class CublasEmulationTest {
  @Test
  void emulatedCublasFollowsTheReference() throws Exception {
    NativeChecks.assertPasses(NativeChecks.program("jdnn_cublas_emu_test"), 60);
  }
}
