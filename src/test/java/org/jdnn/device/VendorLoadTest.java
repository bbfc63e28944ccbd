package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How libjdnn_cuda finds cuBLAS and cuDNN on a real machine: native/test/vendor_load_test.cpp, built with the CUDA
 * backend, binds stand-in libraries exporting vendor.h's table and checks the bound versions and every "missing
 * vendor libraries" message (library absent, too old, lacking an entry). No GPU is needed; nvcc is, so outside CI
 * the test is skipped where the CUDA backend was not built.
 */
class VendorLoadTest {
  private static final Path PROGRAM = Path.of("target", "native", "build", "src", "cuda", "jdnn_vendor_load_test");

  @Test
  void realVendorBinderFindsChecksAndExplains() throws IOException, InterruptedException {
    if (!"true".equalsIgnoreCase(System.getenv("CI"))) {
      assumeTrue(Files.isExecutable(PROGRAM), "the CUDA backend was not built here (no nvcc)");
    }
    assertTrue(Files.isExecutable(PROGRAM), PROGRAM.toAbsolutePath() + " was not built (CI builds it with nvcc)");
    Process p = new ProcessBuilder(PROGRAM.toAbsolutePath().toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the check did not finish");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains(" 0 failed"), out);
  }
}
