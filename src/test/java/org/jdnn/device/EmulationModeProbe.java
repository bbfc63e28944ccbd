package org.jdnn.device;

import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Conv2dGeometry;
import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceOutOfMemoryException;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Run by {@link EmulationModesTest} in a JVM of its own, since the emulation reads JDNN_EMU_MODES once per process:
 * prints what the emulated device reports under the modes it was started with, one "key: value" line each.
 */
public final class EmulationModeProbe {
  private EmulationModeProbe() {}

  public static void main(String[] args) {
    Device emu = Device.cudaEmulated();
    System.out.println("describe: " + emu.describe());
    switch (args[0]) {
      case "memory" -> {
        // 4 Mi floats (16 MiB) on a device of 8 MiB.
        try (Tensor t = Tensor.empty(DType.FLOAT32, emu, 4L << 20)) {
          System.out.println("allocated: " + t.numel());
        } catch (DeviceOutOfMemoryException e) {
          System.out.println("out of memory: " + e.getMessage());
        }
      }
      case "parity" -> {
        // Several blocks per launch (65 536 elements), so their order matters if a kernel depends on it.
        int n = 1 << 16;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.37);
        try (Tensor cpu = Tensor.of(x, 256, 256); Tensor dev = cpu.to(emu);
            Tensor a = cpu.softmax(); Tensor b = dev.softmax(); Tensor bb = b.to(Device.cpu());
            Tensor s1 = cpu.sum(1, false); Tensor s2 = dev.sum(1, false); Tensor s2b = s2.to(Device.cpu())) {
          System.out.println("softmax max difference: " + maxDiff(a.toFloatArray(), bb.toFloatArray()));
          System.out.println("row sum max difference: " + maxDiff(s1.toFloatArray(), s2b.toFloatArray()));
        }
      }
      case "jitter" -> {
        int n = 4096;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (i - n / 2) * 0.01f;
        try (Tensor cpu = Tensor.of(x, n); Tensor dev = cpu.to(emu); Tensor a = cpu.exp(); Tensor b = dev.exp();
            Tensor bb = b.to(Device.cpu())) {
          float[] want = a.toFloatArray(), got = bb.toFloatArray();
          int moved = 0;
          double largest = 0;
          for (int i = 0; i < n; i++) {
            if (want[i] == got[i]) continue;
            moved++;
            largest = Math.max(largest, Math.abs(got[i] - want[i]) / Math.ulp(want[i]));
          }
          System.out.println("exp elements moved: " + moved);
          System.out.println("exp largest move in ulp: " + largest);
        }
      }
      case "half-conv" -> {
        // a convolution under autocast in each 16-bit type: cuDNN's bfloat16 convolutions need sm_80
        try (TensorScope s = new TensorScope(); Device.DefaultScope on = Device.useDefault(emu)) {
          Tensor x = Tensor.zeros(1, 1, 4, 4), w = Tensor.zeros(1, 1, 3, 3);
          for (DType low : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            try (Autocast.Scope a = Autocast.enable(low)) {
              ConvOps.conv2d(x, w, null, Conv2dGeometry.defaults(), "Conv2d(probe)");
              System.out.println(low + " conv: ok");
            } catch (RuntimeException e) {
              System.out.println(low + " conv: " + e.getMessage());
            }
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown probe " + args[0]);
    }
  }

  private static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  }
}
