package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The emulated cuDNN against references written from the documented formulas: convolutions with strides, padding,
 * dilation, groups and the flipped (CONVOLUTION) mode, alpha / beta blending, algorithm search and workspaces, strided
 * and broadcast tensors, softmax modes and algorithms, batch norm (SPATIAL and PER_ACTIVATION) and the documented
 * error statuses. The checks are native (native/test/cudnn_emu_test.cpp, built with the emulation), since the Java
 * ops reach only the subset the backend uses.
 */
class CudnnEmulationTest {
  @Test
  void emulationMatchesTheDocumentedSemantics() throws Exception {
    String out = NativeChecks.assertPasses(NativeChecks.program("jdnn_cudnn_emu_test"), 120);
    assertTrue(out.contains("ALL PASSED"), out);
  }
}
