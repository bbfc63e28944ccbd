package org.jdnn.tensor;

import java.util.Arrays;
import java.util.function.Supplier;
import org.jdnn.bridge.JdnnNative;

/**
 * Run by {@link MultiGpuTest} in a JVM of its own with JDNN_EMU_MODES=devices=2 and a LOCAL_RANK (the emulation reads
 * its modes once per process, and the backend binds one device per process): prints what the emulated backend does,
 * one "key: value" line each.
 */
public final class MultiGpuProbe {
  private MultiGpuProbe() {}

  public static void main(String[] args) throws InterruptedException {
    switch (args[0]) {
      case "bind" -> bind();
      case "rank-beyond-count" -> rankBeyondCount();
      default -> throw new IllegalArgumentException("unknown probe " + args[0]);
    }
  }

  /** LOCAL_RANK=1 of two devices: the process binds device 1, and every thread works there. */
  private static void bind() throws InterruptedException {
    Device emu = Device.cudaEmulated();
    line("ordinal", emu.ordinal());
    line("name", emu);
    line("describe", emu.describe());
    line("backend ordinal", (long) NativeErrors.statistic(JdnnNative.device_stat(emu.code, "ordinal")));
    line("same device", Device.cudaEmulated(1) == emu && Device.byName("cuda-emu:1") == emu);
    line("main thread", work(emu));
    line("second thread", onNewThread(() -> work(emu)));
    line("ordinal 0", attempt(() -> Device.cudaEmulated(0)));
    // Planted last (it leaves the backend with device-0 resources): a thread that enters without binding.
    NativeErrors.check(JdnnNative.device_set_option(emu.code, "bind_threads", 0));
    line("unbound thread", onNewThread(() -> work(emu)));
  }

  /** LOCAL_RANK=5 of two devices fails, naming why; an ordinal that exists still loads afterwards. */
  private static void rankBeyondCount() {
    line("local rank", attempt(Device::cudaEmulated));
    line("then ordinal 0", attempt(() -> Device.cudaEmulated(0)));
  }

  /**
   * A kernel op, a cuBLAS product and copies both ways, on small integers (exact in float): "ok", or what differed,
   * or "failed: " and the exception's message.
   */
  private static String work(Device d) {
    try (Tensor x = Tensor.of(new float[] {1, -2, 3, 4}, 2, 2); Tensor dx = x.to(d); Tensor sum = dx.add(dx);
        Tensor r = sum.relu(); Tensor p = r.matmul(dx); Tensor back = p.to(Device.cpu())) {
      float[] want = {2, -4, 30, 20};  // relu(2x) = [[2, 0], [6, 8]], times x
      float[] got = back.toFloatArray();
      return Arrays.equals(want, got) ? "ok" : "wrong: " + Arrays.toString(got);
    } catch (RuntimeException e) {
      return "failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private static String attempt(Supplier<Device> s) {
    try {
      return "bound " + s.get();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /** Runs f on a thread that never set anything (its CUDA current device is 0). */
  private static String onNewThread(Supplier<String> f) throws InterruptedException {
    String[] out = new String[1];
    Thread t = new Thread(() -> out[0] = f.get(), "probe-second-thread");
    t.start();
    t.join();
    return out[0];
  }

  private static void line(String key, Object value) {
    System.out.println(key + ": " + value);
  }
}
