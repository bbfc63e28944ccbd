package org.jdnn.device;

import static org.jdnn.device.Parity.CPU;
import static org.jdnn.device.Parity.close;
import static org.jdnn.device.Parity.on;
import static org.jdnn.device.Parity.read;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.ConvCase;
import org.jdnn.testing.ScopedTensors;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** conv2d on the emulated CUDA backend (cuDNN path) against the CPU backend, forward and both backwards. */
@ExtendWith(ScopedTensors.class)
class ConvParityTest {

  static Stream<Arguments> configs() {
    return TestDevice.accelerators().flatMap(d -> cfgs().map(c -> Arguments.of(c, d)));
  }

  static Stream<ConvCase> cfgs() {
    return Stream.of(
        new ConvCase("3x3 pad 1", 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true),
        new ConvCase("same even kernel (pad bottom/right)", 2, 2, 6, 5, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1, 1, true),
        new ConvCase("asymmetric top and right", 1, 2, 5, 6, 2, 3, 2, 1, 1, 2, 0, 1, 1, 1, 1, 1, false),
        new ConvCase("stride 2", 2, 3, 9, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true),
        new ConvCase("dilation 2", 1, 2, 9, 9, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, false),
        new ConvCase("groups 2", 2, 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true),
        new ConvCase("depthwise", 1, 3, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, true),
        new ConvCase("1x1", 3, 5, 4, 4, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false),
        new ConvCase("batch 1, odd sizes, stride 2x1, asymmetric", 1, 1, 7, 5, 1, 3, 2, 2, 1, 0, 1, 2, 0, 1, 1, 1, true),
        new ConvCase("everything", 2, 4, 8, 7, 2, 3, 3, 2, 2, 1, 0, 2, 1, 1, 2, 2, true));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("configs")
  void forwardAndBackwardMatchTheCpu(ConvCase cfg, TestDevice testDevice) {
    Device dev = testDevice.device();
    for (DType dt : FLOATS) {
      Random r = new Random(cfg.name.hashCode());
      double[] x = uniform(r, cfg.n * cfg.c * cfg.h * cfg.w, -1, 1);
      long[] ws = cfg.wShape();
      double[] w = uniform(r, (int) (ws[0] * ws[1] * ws[2] * ws[3]), -1, 1);
      double[] b = uniform(r, cfg.cout, -1, 1);
      Tensor[] cpu = run(cfg, CPU, dt, x, w, b, null);
      double[] dy = uniform(r, (int) cpu[0].numel(), -1, 1);
      cpu = run(cfg, CPU, dt, x, w, b, dy);
      Tensor[] got = run(cfg, dev, dt, x, w, b, dy);
      assertArrayEquals(cpu[0].shape(), got[0].shape(), "output shape");
      String[] names = {"y", "dx", "dw", "db"};
      for (int i = 0; i < 4; i++) {
        if (cpu[i] == null) {
          assertNull(got[i], names[i]);
          continue;
        }
        close(read(cpu[i], CPU), got[i], dt, cfg.name + ": " + names[i]);
      }
    }
  }

  /** {y, dx, dw, db} of one run on device d; the gradients only when dy is given. */
  private static Tensor[] run(ConvCase cfg, Device d, DType dt, double[] x, double[] w, double[] b, double[] dy) {
    boolean grad = dy != null;
    Tensor xt = on(d, x, dt, grad, cfg.xShape());
    Tensor wt = on(d, w, dt, grad, cfg.wShape());
    Tensor bt = cfg.bias ? on(d, b, dt, grad, cfg.cout) : null;
    Tensor y = cfg.run(xt, wt, bt);
    if (grad) y.backward(on(d, dy, dt, false, y.shape()));
    return new Tensor[] {y, grad ? xt.grad() : null, grad ? wt.grad() : null, grad && bt != null ? bt.grad() : null};
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void onlyTheRequestedGradientsAreComputed(TestDevice testDevice) {
    Device dev = testDevice.device();
    ConvCase cfg = new ConvCase("partial", 2, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, true);
    Random r = new Random(7);
    for (DType dt : FLOATS) {
      double[] x = uniform(r, 2 * 2 * 5 * 5, -1, 1), w = uniform(r, 3 * 2 * 9, -1, 1), b = uniform(r, 3, -1, 1);
      double[] dy = uniform(r, 2 * 3 * 4 * 4, -1, 1);
      for (boolean weightOnly : new boolean[] {true, false}) {
        Tensor[] got = new Tensor[2];
        double[][] want = new double[2][];
        for (Device d : new Device[] {CPU, dev}) {
          Tensor xt = on(d, x, dt, !weightOnly, cfg.xShape());
          Tensor wt = on(d, w, dt, weightOnly, cfg.wShape());
          Tensor bt = on(d, b, dt, false, 3);
          Tensor y = cfg.run(xt, wt, bt);
          y.backward(on(d, dy, dt, false, y.shape()));
          Tensor g = weightOnly ? wt.grad() : xt.grad();
          assertNull(weightOnly ? xt.grad() : wt.grad());
          if (d == CPU) want[0] = read(g, CPU);
          else got[0] = g;
        }
        close(want[0], got[0], dt, weightOnly ? "dw alone" : "dx alone");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void repeatedShapesReuseTheAlgorithmAndMemory(TestDevice testDevice) {
    Device d = testDevice.device();
    ConvCase cfg = new ConvCase("steady", 2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 2, 2, 1, 1, 1, true);
    Random r = new Random(3);
    double[] x = uniform(r, 2 * 3 * 64, -1, 1), w = uniform(r, 4 * 3 * 9, -1, 1), b = uniform(r, 4, -1, 1);
    double[] first = null;
    long mallocs = 0;
    for (int step = 0; step < 3; step++) {
      try (org.jdnn.tensor.TensorScope scope = new org.jdnn.tensor.TensorScope()) {
        Tensor xt = on(d, x, DType.FLOAT32, true, cfg.xShape());
        Tensor wt = on(d, w, DType.FLOAT32, true, cfg.wShape());
        Tensor bt = on(d, b, DType.FLOAT32, true, 4);
        Tensor y = cfg.run(xt, wt, bt);
        y.backward(on(d, new double[(int) y.numel()], DType.FLOAT32, false, y.shape()));
        double[] v = read(y, d);
        if (first == null) first = v;
        else assertArrayEquals(first, v, "same inputs, same algorithm, same result");
        for (Tensor t : new Tensor[] {xt, wt, bt}) t.grad().close();  // gradients outlive scopes
      }
      if (step == 1) mallocs = d.deviceMallocs();
      if (step == 2) assertEquals(mallocs, d.deviceMallocs(), "no new device allocations in a steady loop");
    }
  }
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void emptyBatchGivesZeroParameterGradients(TestDevice testDevice) {
    Device dev = testDevice.device();
    ConvCase cfg = new ConvCase("empty batch", 0, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true);
    Random r = new Random(13);
    for (DType dt : FLOATS) {
      double[] w = uniform(r, 3 * 2 * 9, -1, 1), b = uniform(r, 3, -1, 1);
      Tensor[] cpu = run(cfg, CPU, dt, new double[0], w, b, new double[0]);
      Tensor[] got = run(cfg, dev, dt, new double[0], w, b, new double[0]);
      assertArrayEquals(cpu[0].shape(), got[0].shape(), "output shape");
      close(read(cpu[2], CPU), got[2], dt, "dw of an empty batch");
      close(read(cpu[3], CPU), got[3], dt, "db of an empty batch");
      for (double v : read(got[2], dev)) assertEquals(0.0, v, "dw of an empty batch is zero");
    }
  }
  /**
   * With the TF32 opt-in, the emulated cuDNN multiplies float inputs rounded to TF32 (as tensor cores do on the sm_90
   * it reports): y, dx and dw equal the CPU's on TF32-rounded inputs and differ from the exact ones; db is a plain sum.
   */
  @Test
  void tf32OptInRoundsTheConvolutionInputsToTf32() {
    Device d = Parity.emu();
    ConvCase cfg = new ConvCase("tf32", 2, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true);
    Random r = new Random(17);
    double[] x = uniform(r, 2 * 3 * 36, -1, 1), w = uniform(r, 4 * 3 * 9, -1, 1), b = uniform(r, 4, -1, 1);
    double[] dy = uniform(r, 2 * 4 * 36, -1, 1);
    Tensor[] exact = run(cfg, CPU, DType.FLOAT32, x, w, b, dy);
    Tensor[] rounded = run(cfg, CPU, DType.FLOAT32, tf32(x), tf32(w), b, tf32(dy));
    d.setTf32(true);
    try {
      Tensor[] got = run(cfg, d, DType.FLOAT32, x, w, b, dy);
      String[] names = {"y", "dx", "dw"};
      for (int i = 0; i < 3; i++) {
        double[] g = read(got[i], d);
        close(read(rounded[i], CPU), got[i], DType.FLOAT32, "tf32 " + names[i]);
        double[] e = read(exact[i], CPU);
        double worst = 0;
        for (int j = 0; j < e.length; j++) worst = Math.max(worst, Math.abs(g[j] - e[j]));
        assertTrue(worst > 1e-4, "tf32 " + names[i] + " should differ from exact float32, max diff " + worst);
      }
      close(read(exact[3], CPU), got[3], DType.FLOAT32, "tf32 db");
    } finally {
      d.setTf32(false);
    }
  }

  /** v as float32 rounded to TF32 (10 mantissa bits, nearest, ties away from zero), as tensor cores read it. */
  private static double[] tf32(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      int bits = Float.floatToRawIntBits((float) v[i]);
      out[i] = Float.intBitsToFloat((bits + 0x1000) & 0xffffe000);
    }
    return out;
  }
}
