package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One GPU per process, chosen by LOCAL_RANK, on two emulated devices (JDNN_EMU_MODES=devices=2). Each case runs
 * {@link MultiGpuProbe} in a JVM of its own, since the emulation reads its modes once per process and the backend
 * binds one device for the life of the process.
 */
class MultiGpuTest {
  /**
   * LOCAL_RANK=1: Device.cudaEmulated() binds device 1 (ordinal, name, describe and the backend's own statistic say
   * so); ops give the right results from the main thread and from a new thread, which the backend binds to device 1
   * on entry (the emulation fails a thread left on device 0: planted last, with the binding switched off); asking
   * for device 0 too throws, naming the device in use and the one-process-per-GPU launcher.
   */
  @Test
  void localRankBindsItsDeviceOnEveryThread() throws Exception {
    String out = probe("1", "bind");
    assertTrue(out.contains("\nordinal: 1\n"), out);
    assertTrue(out.contains("\nname: cuda-emu:1\n"), out);
    assertTrue(out.contains("\ndescribe: GPU 1 of 2: jdnn CUDA emulation"), out);
    assertTrue(out.contains("\nbackend ordinal: 1\n"), out);
    assertTrue(out.contains("\nsame device: true\n"), out);
    assertTrue(out.contains("\nmain thread: ok\n"), out);
    assertTrue(out.contains("\nsecond thread: ok\n"), out);
    String second = value(out, "ordinal 0");
    assertTrue(second.startsWith("DeviceUnavailableException: Device.cudaEmulated(0): this process uses GPU 1 "
        + "(cuda-emu:1, chosen by LOCAL_RANK=1)"), second);
    assertTrue(second.contains("binds one GPU per process") && second.contains("scripts/jdnn-run"), second);
    String unbound = value(out, "unbound thread");
    assertTrue(unbound.startsWith("failed: DeviceException: CUDA error cudaErrorInvalidResourceHandle"), unbound);
    assertTrue(unbound.contains("launched on a stream of device 1 while the calling thread's current device is 0"),
        unbound);
  }

  /** LOCAL_RANK=5 with two devices: the message names LOCAL_RANK, the count and CUDA_VISIBLE_DEVICES. */
  @Test
  void localRankBeyondTheDeviceCountSaysSo() throws Exception {
    String out = probe("5", "rank-beyond-count");
    String e = value(out, "local rank");
    assertTrue(e.startsWith("DeviceUnavailableException: LOCAL_RANK=5"), e);
    assertTrue(e.contains("there is no GPU 5: the CUDA runtime sees 2 GPUs") && e.contains("CUDA_VISIBLE_DEVICES"), e);
    assertTrue(e.contains("JDNN_EMU_MODES devices=N") && e.contains("--nproc-per-node 2"), e);
    assertEquals("bound cuda-emu", value(out, "then ordinal 0"), out);
  }

  private static String value(String out, String key) {
    int at = out.indexOf("\n" + key + ": ");
    assertTrue(at >= 0, "no '" + key + "' line in: " + out);
    int start = at + key.length() + 3;
    int end = out.indexOf('\n', start);
    return out.substring(start, end < 0 ? out.length() : end);
  }

  private static String probe(String localRank, String what) throws IOException, InterruptedException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir"), "-cp",
        System.getProperty("java.class.path"), MultiGpuProbe.class.getName(), what);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("JDNN_EMU_MODES", "devices=2");
    builder.environment().put("LOCAL_RANK", localRank);
    builder.environment().remove("CUDA_VISIBLE_DEVICES");
    Process p = builder.start();
    String out = "\n" + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not finish: " + out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
