package org.jdnn.device;

import static org.jdnn.device.Parity.CPU;
import static org.jdnn.device.Parity.close;
import static org.jdnn.device.Parity.on;
import static org.jdnn.device.Parity.read;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.jdnn.testing.ScopedTensors;
import org.junit.jupiter.api.extension.ExtendWith;

/** softmax / logSoftmax over the last dimension on the emulated CUDA backend (cuDNN path) against the CPU. */
@ExtendWith(ScopedTensors.class)
class SoftmaxParityTest {
  private static final long[][] SHAPES = {{1}, {7}, {1, 1}, {1, 5}, {4, 10}, {2, 3, 17}, {3, 1, 2, 9}};

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.device.Parity#devices")
  void forwardAndBackwardMatchTheCpu(Device dev) {
    Random r = new Random(11);
    for (DType dt : FLOATS) {
      for (boolean log : new boolean[] {false, true}) {
        for (long[] shape : SHAPES) {
          String what = (log ? "logSoftmax" : "softmax") + java.util.Arrays.toString(shape);
          double[] x = uniform(r, numel(shape), -4, 4), dy = uniform(r, numel(shape), -1, 1);
          Tensor[] cpu = run(CPU, dt, x, dy, shape, log);
          Tensor[] got = run(dev, dt, x, dy, shape, log);
          close(read(cpu[0], CPU), got[0], dt, what + " y");
          close(read(cpu[1], CPU), got[1], dt, what + " dx");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.device.Parity#devices")
  void largeLogitsStayFinite(Device dev) {
    double[] x = {1e4, -1e4, 0, 9999, 3e3, 1e4};
    for (DType dt : FLOATS) {
      for (boolean log : new boolean[] {false, true}) {
        Tensor[] cpu = run(CPU, dt, x, new double[] {1, 0, 0, 0, 0, -1}, new long[] {2, 3}, log);
        Tensor[] got = run(dev, dt, x, new double[] {1, 0, 0, 0, 0, -1}, new long[] {2, 3}, log);
        for (double v : read(got[0], dev)) assertTrue(Double.isFinite(v), "finite output, got " + v);
        close(read(cpu[0], CPU), got[0], dt, "large logits y");
        close(read(cpu[1], CPU), got[1], dt, "large logits dx");
      }
    }
  }

  private static Tensor[] run(Device d, DType dt, double[] x, double[] dy, long[] shape, boolean log) {
    Tensor xt = on(d, x, dt, true, shape);
    Tensor y = log ? xt.logSoftmax() : xt.softmax();
    y.backward(on(d, dy, dt, false, shape));
    return new Tensor[] {y, xt.grad()};
  }
}
