package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;

/**
 * Helpers for the parity tests: the same values on the CPU and on a CUDA device (the emulation, or the GPU), the
 * device's results compared with the CPU's, never with another device's. The devices come from
 * {@link org.jdnn.testing.TestDevice#accelerators()}: the GPU case skips, or under {@code -Djdnn.require.gpu=true}
 * fails, where no GPU is usable.
 */
final class Parity {
  static final Device CPU = Device.cpu();

  private Parity() {}

  static Device emu() {
    return Device.cudaEmulated();
  }

  /**
   * Tolerances: the emulated cuDNN sums in double, the CPU backend in its dtype (float32 GEMM blocks); a GPU sums
   * float32 in float32 in its own order (TF32 stays off).
   */
  static double rtol(DType dt, Device d) {
    if (dt == DType.FLOAT64) return 1e-10;
    return d == emu() ? 2e-5 : 1e-4;
  }

  static double atol(DType dt, Device d) {
    return rtol(dt, d);
  }

  /** A tensor holding v on device d; a gradient leaf when grad is set. */
  static Tensor on(Device d, double[] v, DType dt, boolean grad, long... shape) {
    Tensor t = make(v, dt, shape);
    if (d != CPU) {
      Tensor moved = t.to(d);
      t.close();
      t = moved;
    }
    return grad ? t.requiresGrad(true) : t;
  }

  /** The values of t, which must live on {@code expected}. */
  static double[] read(Tensor t, Device expected) {
    assertNotNull(t, "tensor missing");
    assertEquals(expected, t.device(), "device of " + t.describe());
    if (t.device() == CPU) return values(t);
    try (Tensor host = t.to(CPU)) {
      return values(host);
    }
  }

  /** The device tensor's values against the CPU's. */
  static void close(double[] cpu, Tensor dev, DType dt, String what) {
    assertNotNull(dev, what + ": tensor missing");
    Device d = dev.device();
    assertAllClose(cpu, read(dev, d), rtol(dt, d), atol(dt, d), what + " (" + dt + " on " + d + ")");
  }
}
