package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;

/** Helpers for the CPU versus emulated-CUDA parity tests: the same values on both devices, compared after the op. */
final class Parity {
  static final Device CPU = Device.cpu();

  private Parity() {}

  static Device emu() {
    return Device.cudaEmulated();
  }

  /** Tolerances: the emulated cuDNN sums in double, the CPU backend in its dtype (float32 GEMM blocks). */
  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-10 : 2e-5;
  }

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-10 : 2e-5;
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
    return values(t.device() == CPU ? t : t.to(CPU));
  }

  static void close(double[] cpu, Tensor emuTensor, DType dt, String what) {
    assertAllClose(cpu, read(emuTensor, emu()), rtol(dt), atol(dt), what + " (" + dt + ")");
  }
}
