package org.jdnn.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The native check programs CMake builds beside the CUDA backends (native/test, the vendor loader's
 * stand-in test): each prints its checks and a closing "N passed, 0 failed" line and exits 0 when
 * all hold.
 */
public final class NativeChecks {
  private NativeChecks() {}

  /** A check program in the CUDA part of the native build tree. */
  public static Path program(String name) {
    return Path.of("target", "native", "build", "src", "cuda", name);
  }

  /** A check program at the top of the native build tree (those of libjdnn itself). */
  public static Path coreProgram(String name) {
    return Path.of("target", "native", "build", name);
  }

  /** Runs the program; it must exist, finish in time, exit 0 and report no failed check. Returns its output. */
  public static String assertPasses(Path program, int timeoutSeconds) throws IOException, InterruptedException {
    return assertPasses(program, timeoutSeconds, Map.of());
  }

  /** The same, with environment variables added to the program's environment. */
  public static String assertPasses(Path program, int timeoutSeconds, Map<String, String> environment)
      throws IOException, InterruptedException {
    assertTrue(Files.isExecutable(program), program.toAbsolutePath() + " was not built by the native build");
    ProcessBuilder builder = new ProcessBuilder(program.toAbsolutePath().toString()).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), program.getFileName() + " did not finish");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains(" 0 failed"), out);
    return out;
  }
}
