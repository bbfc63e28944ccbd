package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cuBLAS emulation entry by entry: native/test/cublas_emu_test.cpp, built beside libjdnn_cuda_emu, checks every
 * operation pair with padded leading dimensions, alpha/beta and the NaN rules, strided batches, cublasGemmEx's type
 * combinations, math modes and the error statuses against a triple loop and the cuBLAS reference. Those cases are
 * not reachable through the Java API (which always passes tight leading dimensions and valid arguments), hence a
 * native program; the parity tests cover the path through the backend.
 */
class CublasEmulationTest {
  private static final Path PROGRAM = Path.of("target", "native", "build", "src", "cuda", "jdnn_cublas_emu_test");

  @Test
  void emulatedCublasFollowsTheReference() throws IOException, InterruptedException {
    assertTrue(Files.isExecutable(PROGRAM), PROGRAM.toAbsolutePath() + " was not built (mvn process-classes builds it)");
    Process p = new ProcessBuilder(PROGRAM.toAbsolutePath().toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the check did not finish");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains(" 0 failed"), out);
  }
}
