package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The normal random stream's log and cos (native/src/kernels/exact_math.h), written with correctly
 * rounded operations only so that CPU and GPU give the same bits: native/test/exact_math_test.cpp
 * checks them within 1 ulp of long-double references and prints a digest of the stream. Built
 * again with FMA instructions available, the digest must not change while contraction is off (the
 * library's flag) and does change with contraction on, which shows the check would see an FMA
 * creeping into the arithmetic. The cpu against cuda-emu comparison of whole streams is in
 * {@link DropoutRandomParityTest}.
 */
class ExactMathTest {
  private static final Pattern DIGEST = Pattern.compile("digest ([0-9a-f]{16})");

  private static String digest(String out) {
    Matcher m = DIGEST.matcher(out);
    assertTrue(m.find(), "no digest line in:\n" + out);
    return m.group(1);
  }

  @Test
  void logAndCosAreWithinAnUlpAndImmuneToFma() throws Exception {
    String checked = NativeChecks.assertPasses(NativeChecks.coreProgram("jdnn_exact_math_test"), 120);
    Path fma = NativeChecks.coreProgram("jdnn_exact_math_fma");
    Path contracted = NativeChecks.coreProgram("jdnn_exact_math_fma_contracted");
    assertTrue(Files.readString(Path.of("/proc/cpuinfo")).contains(" fma"),
        "this check needs a CPU with FMA instructions (x86-64 since 2013)");
    String base = digest(checked);
    assertEquals(base, digest(NativeChecks.assertPasses(fma, 60)), "FMA available, contraction off: same bits");
    assertNotEquals(base, digest(NativeChecks.assertPasses(contracted, 60)),
        "with a * b + c contracted into FMAs the stream should change; if it does not, this check cannot see it");
  }
}
