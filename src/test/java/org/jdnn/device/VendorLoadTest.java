package org.jdnn.device;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * How libjdnn_cuda finds cuBLAS and cuDNN on a real machine: native/test/vendor_load_test.cpp, built with the CUDA
 * backend, binds stand-in libraries exporting vendor.h's table and checks the bound versions and every "missing
 * vendor libraries" message (library absent, too old, lacking an entry). No GPU is needed; nvcc is, so outside CI
 * the test is skipped where the CUDA backend was not built.
 */
class VendorLoadTest {
  private static final Path PROGRAM = NativeChecks.program("jdnn_vendor_load_test");

  @Test
  void realVendorBinderFindsChecksAndExplains() throws Exception {
    if (!"true".equalsIgnoreCase(System.getenv("CI"))) {
      assumeTrue(Files.isExecutable(PROGRAM), "the CUDA backend was not built here (no nvcc)");
    }
    NativeChecks.assertPasses(PROGRAM, 60);
  }
}
