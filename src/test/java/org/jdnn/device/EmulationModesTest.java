package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The emulation's test modes (JDNN_EMU_MODES, read once per process, hence child processes): each is exercised
 * cheaply here; {@code -Djdnn.emu.modes=...} runs any test selection under them (docs/architecture.md).
 */
class EmulationModesTest {
  @Test
  void nativeChecksHoldUnderEveryMode() throws Exception {
    String out = NativeChecks.assertPasses(NativeChecks.program("jdnn_emu_runtime_test"), 60,
        Map.of("JDNN_EMU_MODES", "jitter,shuffle-blocks,seed=5,sm75,memory=1M"));
    assertTrue(out.contains("modes: jitter 1"), out);
    assertTrue(out.contains("shuffle-blocks 1, sm75, memory"), out);
  }

  @Test
  void smallDeviceMemoryGivesTheOutOfMemoryMessage() throws Exception {
    String out = probe("memory=8M", "memory");
    assertTrue(out.contains("out of memory: out of GPU memory allocating 16777216 bytes"), out);
    assertTrue(out.contains("call Device.releaseCached()"), out);
  }

  @Test
  void sm75IsReported() throws Exception {
    String out = probe("sm75", "memory");
    assertTrue(out.contains("(sm_75,"), out);
  }

  @Test
  void bfloat16ConvolutionsNeedSm80AndFloat16OnesRunOnSm75() throws Exception {
    String out = probe("sm75", "half-conv");
    assertTrue(out.contains("\nfloat16 conv: ok"), out);
    assertTrue(out.contains("bfloat16 conv: ") && out.contains("compute capability 8.0 or newer, this one is sm_75")
        && out.contains("DType.FLOAT16"), out);
    assertTrue(probe("sm80", "half-conv").contains("bfloat16 conv: ok"), "sm_80 runs bfloat16 convolutions");
  }

  @Test
  void shuffledBlocksGiveTheCpuResults() throws Exception {
    String out = probe("shuffle-blocks,seed=3", "parity");
    assertTrue(out.contains("softmax max difference: "), out);
    assertTrue(parse(out, "softmax max difference: ") < 1e-6, out);
    assertTrue(parse(out, "row sum max difference: ") < 1e-3, out);
  }

  @Test
  void jitteredDeviceMathDiffersFromTheCpuByOneUlpAtMost() throws Exception {
    String out = probe("jitter", "jitter");
    assertTrue(parse(out, "exp elements moved: ") > 1000, out);
    assertEquals(1.0, parse(out, "exp largest move in ulp: "), out);
  }

  @Test
  void anUnknownModeSaysWhichAndHowToFix() throws Exception {
    String out = probe("sm99", "memory", false);
    assertTrue(out.contains("JDNN_EMU_MODES has the unknown entry 'sm99'"), out);
  }

  private static double parse(String out, String key) {
    int at = out.indexOf(key) + key.length();
    int end = out.indexOf('\n', at);
    return Double.parseDouble(out.substring(at, end).trim());
  }

  /** Runs {@link EmulationModeProbe} in a JVM with the test class path and JDNN_EMU_MODES set. */
  private static String probe(String modes, String what) throws IOException, InterruptedException {
    return probe(modes, what, true);
  }

  private static String probe(String modes, String what, boolean succeeds) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(EmulationModeProbe.class.getName());
    command.add(what);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("JDNN_EMU_MODES", modes);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not finish: " + out);
    assertEquals(succeeds, p.exitValue() == 0, out);
    return out;
  }
}
