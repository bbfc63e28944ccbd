package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The emulated cuDNN against references written from the documented formulas: convolutions with strides, padding,
 * dilation, groups and the flipped (CONVOLUTION) mode, alpha / beta blending, algorithm search and workspaces, strided
 * and broadcast tensors, softmax modes and algorithms, batch norm (SPATIAL and PER_ACTIVATION) and the documented
 * error statuses. The checks are native (native/test/cudnn_emu_test.cpp, built with the emulation), since the Java
 * ops reach only the subset the backend uses.
 */
class CudnnEmulationTest {
  private static final File CHECK = new File("target/native/build/src/cuda/jdnn_cudnn_emu_test");

  @Test
  void emulationMatchesTheDocumentedSemantics() throws Exception {
    assertTrue(CHECK.canExecute(), "the native build should have produced " + CHECK.getAbsolutePath());
    Process p = new ProcessBuilder(CHECK.getAbsolutePath()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "jdnn_cudnn_emu_test did not finish");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("ALL PASSED") && out.contains(" 0 failed"), out);
  }
}
