package org.jdnn.device;

import org.jdnn.tensor.NativeCalls;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.NativeHandles;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.ScopedTensors;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * matmul, linear and the bf16 Linear on the emulated CUDA device (cuBLAS emulation underneath) against the CPU
 * backend and against a plain triple loop, float32 and float64, forward and backward.
 */
@ExtendWith(ScopedTensors.class)
class MatmulParityTest {
  private static final Device EMU = Device.cudaEmulated();

  // (m, k, n): scalars, vectors, odd sizes, k larger than m and n
  private static final int[][] SHAPES = {{1, 1, 1}, {1, 7, 5}, {6, 1, 4}, {5, 3, 1}, {17, 9, 13}, {33, 65, 7}};
  private static final double[][] ALPHA_BETA = {{1, 0}, {-0.5, 0.75}, {2, 1}};

  private static double rtol(DType dt) {
    return dt == DType.FLOAT32 ? 1e-5 : 1e-12;
  }

  private static double atol(DType dt, int k) {
    return (dt == DType.FLOAT32 ? 2e-6 : 1e-13) * Math.max(1, k);
  }

  /** c = alpha op(a) op(b) + beta c in double from row-major arrays; a is (m, k) or (k, m) when ta. */
  private static double[] reference(double[] a, double[] b, double[] c, int m, int k, int n, boolean ta, boolean tb,
      double alpha, double beta) {
    double[] out = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int l = 0; l < k; l++) s += (ta ? a[l * m + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * n + j]);
        out[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]);
      }
    }
    return out;
  }

  private static double[] runMatmul(Device d, DType dt, double[] a, long[] as, double[] b, long[] bs, double[] c,
      int m, int n, boolean ta, boolean tb, double alpha, double beta) {
    try (Tensor ha = make(a, dt, as); Tensor hb = make(b, dt, bs); Tensor hc = make(c, dt, m, n);
        Tensor da = ha.to(d); Tensor db = hb.to(d); Tensor dc = hc.to(d)) {
      NativeCalls.check(JdnnNative.op_matmul(NativeHandles.of(da), NativeHandles.of(db), NativeHandles.of(dc), ta, tb, alpha, beta));
      return values(dc);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void matmulMatchesCpuAndReferenceForEveryTransposeAndScale(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(11);
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int m = s[0], k = s[1], n = s[2];
        for (int t = 0; t < 4; t++) {
          boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
          for (double[] ab : ALPHA_BETA) {
            double[] a = representable(uniform(r, m * k, -1, 1), dt);
            double[] b = representable(uniform(r, k * n, -1, 1), dt);
            double[] c = representable(uniform(r, m * n, -1, 1), dt);
            long[] as = ta ? new long[] {k, m} : new long[] {m, k};
            long[] bs = tb ? new long[] {n, k} : new long[] {k, n};
            String what = dt + " " + m + "x" + k + "x" + n + " ta=" + ta + " tb=" + tb + " alpha=" + ab[0]
                + " beta=" + ab[1];
            double[] expected = reference(a, b, c, m, k, n, ta, tb, ab[0], ab[1]);
            double[] emu = runMatmul(dev, dt, a, as, b, bs, c, m, n, ta, tb, ab[0], ab[1]);
            double[] cpu = runMatmul(Device.cpu(), dt, a, as, b, bs, c, m, n, ta, tb, ab[0], ab[1]);
            assertAllClose(expected, emu, rtol(dt), atol(dt, k), what + " (" + dev + " vs reference)");
            assertAllClose(cpu, emu, rtol(dt), atol(dt, k), what + " (" + dev + " vs cpu)");
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void betaZeroIgnoresNanInTheOutputAndEmptyInnerSizeScalesC(TestDevice testDevice) {
    Device dev = testDevice.device();
    for (DType dt : FLOATS) {
      double[] a = {1, 2, 3, 4, 5, 6};
      double[] b = {1, 0, -1, 2, 0.5, 1};
      double[] nan = new double[4];
      java.util.Arrays.fill(nan, Double.NaN);
      double[] got = runMatmul(dev, dt, a, new long[] {2, 3}, b, new long[] {3, 2}, nan, 2, 2, false, false, 2, 0);
      assertAllClose(reference(a, b, new double[4], 2, 3, 2, false, false, 2, 0), got, 0, 0, dt + " beta=0, C=NaN");
      // k = 0: op(A) op(B) is zero, so C = beta C.
      double[] c = {1, -2, 3, 4};
      double[] scaled = runMatmul(dev, dt, new double[0], new long[] {2, 0}, new double[0], new long[] {0, 2}, c, 2, 2,
          false, false, 1, 0.5);
      assertAllClose(new double[] {0.5, -1, 1.5, 2}, scaled, 0, 0, dt + " k=0");
    }
  }

  // The emulation only: a GPU older than Ampere accepts the TF32 math mode but keeps full float32.
  @Test
  void tf32OptionRoundsFloat32ProductsOnlyWhileOn() {
    // 1 + 2^-15 needs 15 mantissa bits; TF32 keeps 10, so the product rounds to exactly 1.
    double x = 1 + Math.pow(2, -15);
    double[] a = {x}, b = {1};
    try {
      EMU.setTf32(true);
      double[] on = runMatmul(EMU, DType.FLOAT32, a, new long[] {1, 1}, b, new long[] {1, 1}, new double[1], 1, 1,
          false, false, 1, 0);
      assertEquals(1.0, on[0], 0.0, "TF32 product");
      double[] f64 = runMatmul(EMU, DType.FLOAT64, a, new long[] {1, 1}, b, new long[] {1, 1}, new double[1], 1, 1,
          false, false, 1, 0);
      assertEquals(x, f64[0], 0.0, "float64 ignores TF32");
    } finally {
      EMU.setTf32(false);
    }
    double[] off = runMatmul(EMU, DType.FLOAT32, a, new long[] {1, 1}, b, new long[] {1, 1}, new double[1], 1, 1,
        false, false, 1, 0);
    assertEquals(x, off[0], 0.0, "full float32 product");
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void matmulBackwardMatchesCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(12);
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int m = s[0], k = s[1], n = s[2];
        for (int t = 0; t < 4; t++) {
          boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
          double[] a = uniform(r, m * k, -1, 1), b = uniform(r, k * n, -1, 1), g = uniform(r, m * n, -1, 1);
          long[] as = ta ? new long[] {k, m} : new long[] {m, k};
          long[] bs = tb ? new long[] {n, k} : new long[] {k, n};
          double[][] cpu = matmulGrads(Device.cpu(), dt, a, as, b, bs, g, m, n, ta, tb);
          double[][] emu = matmulGrads(dev, dt, a, as, b, bs, g, m, n, ta, tb);
          String what = dt + " " + m + "x" + k + "x" + n + " ta=" + ta + " tb=" + tb;
          assertAllClose(cpu[0], emu[0], rtol(dt), atol(dt, n), what + " dA");
          assertAllClose(cpu[1], emu[1], rtol(dt), atol(dt, m), what + " dB");
        }
      }
    }
  }

  private static double[][] matmulGrads(Device d, DType dt, double[] a, long[] as, double[] b, long[] bs, double[] g,
      int m, int n, boolean ta, boolean tb) {
    try (Tensor ha = make(a, dt, as); Tensor hb = make(b, dt, bs); Tensor hg = make(g, dt, m, n);
        Tensor da = ha.to(d).requiresGrad(true); Tensor db = hb.to(d).requiresGrad(true); Tensor dg = hg.to(d);
        Tensor y = da.matmul(db, ta, tb)) {
      y.backward(dg);
      return new double[][] {values(da.grad()), values(db.grad())};
    }
  }

  // ---- linear ------------------------------------------------------------------------------

  private static final int[][] LINEAR = {{1, 1, 1}, {1, 5, 3}, {7, 13, 9}, {16, 33, 65}};  // (n, in, out)

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void linearWithAndWithoutBiasAndReluMatchesCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(13);
    for (DType dt : FLOATS) {
      for (int[] s : LINEAR) {
        int n = s[0], in = s[1], out = s[2];
        double[] x = uniform(r, n * in, -1, 1), w = uniform(r, out * in, -1, 1), bias = uniform(r, out, -1, 1);
        for (boolean withBias : new boolean[] {false, true}) {
          for (boolean relu : new boolean[] {false, true}) {
            double[] cpu = linear(Device.cpu(), dt, x, w, withBias ? bias : null, n, in, out, relu);
            double[] emu = linear(dev, dt, x, w, withBias ? bias : null, n, in, out, relu);
            String what = dt + " " + n + "x" + in + "->" + out + " bias=" + withBias + " relu=" + relu;
            assertAllClose(cpu, emu, rtol(dt), atol(dt, in), what);
            if (relu) {
              int negatives = 0;
              for (double v : cpu) negatives += v == 0 ? 1 : 0;
              if (n * out > 20) assertNotEquals(0, negatives, what + ": the ReLU should clip something");
            }
          }
        }
      }
    }
  }

  private static double[] linear(Device d, DType dt, double[] x, double[] w, double[] bias, int n, int in, int out,
      boolean relu) {
    try (Tensor hx = make(x, dt, n, in); Tensor hw = make(w, dt, out, in);
        Tensor hb = bias == null ? null : make(bias, dt, out); Tensor dx = hx.to(d); Tensor dw = hw.to(d);
        Tensor db = hb == null ? null : hb.to(d);
        Tensor y = relu ? Linalg.linearRelu(dx, dw, db, "linear") : Linalg.linear(dx, dw, db, "linear")) {
      return values(y);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void linearBackwardAccumulatesLikeCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(14);
    for (DType dt : FLOATS) {
      for (int[] s : LINEAR) {
        int n = s[0], in = s[1], out = s[2];
        double[] x = uniform(r, n * in, -1, 1), w = uniform(r, out * in, -1, 1);
        double[] g1 = uniform(r, n * out, -1, 1), g2 = uniform(r, n * out, -1, 1);
        double[][] cpu = linearGrads(Device.cpu(), dt, x, w, g1, g2, n, in, out);
        double[][] emu = linearGrads(dev, dt, x, w, g1, g2, n, in, out);
        String what = dt + " " + n + "x" + in + "->" + out;
        assertAllClose(cpu[0], emu[0], rtol(dt), atol(dt, 2 * out), what + " dx");
        assertAllClose(cpu[1], emu[1], rtol(dt), atol(dt, 2 * n), what + " dW (two backwards, beta 0 then 1)");
      }
    }
  }

  private static double[][] linearGrads(Device d, DType dt, double[] x, double[] w, double[] g1, double[] g2, int n,
      int in, int out) {
    try (Tensor hx = make(x, dt, n, in); Tensor hw = make(w, dt, out, in); Tensor hg1 = make(g1, dt, n, out);
        Tensor hg2 = make(g2, dt, n, out); Tensor dx = hx.to(d).requiresGrad(true);
        Tensor dw = hw.to(d).requiresGrad(true); Tensor dg1 = hg1.to(d); Tensor dg2 = hg2.to(d)) {
      // The weight's gradient is written with beta = 0 into fresh memory, then accumulated with beta = 1.
      try (Tensor y = Linalg.linear(dx, dw, null, "linear")) {
        y.backward(dg1);
      }
      double[] gx = values(dx.grad());
      try (Tensor y = Linalg.linear(dx.detach(), dw, null, "linear")) {
        y.backward(dg2);
      }
      return new double[][] {gx, values(dw.grad())};
    }
  }

  // The fused form: on the CUDA backend a Linear forward is one cuBLASLt matmul whose epilogue adds the bias
  // (cuda/linear_epilogue.cu): one vendor call, no kernel launch. A fused ReLU stays one kernel: cuBLASLt's RELU
  // epilogue would turn NaN into 0, jdnn's ReLU keeps it (ActivationNumericsTest). The values are the CPU's.
  @Test
  void linearForwardIsOneCublasLtCallWithTheBiasEpilogue() {
    Random r = new Random(16);
    int n = 9, in = 21, out = 17;
    for (DType dt : FLOATS) {
      for (boolean withBias : new boolean[] {false, true}) {
        for (boolean relu : new boolean[] {false, true}) {
          double[] x = uniform(r, n * in, -1, 1), w = uniform(r, out * in, -1, 1), bias = uniform(r, out, -1, 1);
          try (Tensor hx = make(x, dt, n, in); Tensor hw = make(w, dt, out, in); Tensor hb = make(bias, dt, out);
              Tensor dx = hx.to(EMU); Tensor dw = hw.to(EMU); Tensor db = hb.to(EMU)) {
            Tensor b = withBias ? db : null;
            Tensor[] y = new Tensor[1];
            DeviceStats before = EMU.stats();
            y[0] = relu ? Linalg.linearRelu(dx, dw, b, "linear") : Linalg.linear(dx, dw, b, "linear");
            DeviceStats d = EMU.stats().minus(before);
            String what = dt + " bias=" + withBias + " relu=" + relu + ": " + d.line();
            assertEquals(1, d.vendorCalls(), what);
            assertEquals(relu ? 1 : 0, d.launches(), what);
            double[] cpu = linear(Device.cpu(), dt, x, w, withBias ? bias : null, n, in, out, relu);
            assertAllClose(cpu, values(y[0]), rtol(dt), atol(dt, in), what);
            y[0].close();
          }
        }
      }
    }
  }

  // The backward's fused form: a leaf bias without a gradient takes db from the weight-gradient GEMM's BGRADB
  // epilogue (one cuBLASLt call for dW and db, no row-sum kernel); once it has a gradient, db is a row sum added
  // onto it as before. Both against the CPU, over two backwards.
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void linearBackwardWithBiasMatchesCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(17);
    for (DType dt : FLOATS) {
      for (int[] s : LINEAR) {
        int n = s[0], in = s[1], out = s[2];
        double[] x = uniform(r, n * in, -1, 1), w = uniform(r, out * in, -1, 1), b = uniform(r, out, -1, 1);
        double[] g1 = uniform(r, n * out, -1, 1), g2 = uniform(r, n * out, -1, 1);
        double[][] cpu = linearBiasGrads(Device.cpu(), dt, x, w, b, g1, g2, n, in, out);
        double[][] emu = linearBiasGrads(dev, dt, x, w, b, g1, g2, n, in, out);
        String what = dt + " " + n + "x" + in + "->" + out;
        String[] names = {"dx", "dW after one backward", "db after one backward", "dW after two", "db after two"};
        int[] ks = {out, n, n, 2 * n, 2 * n};
        for (int i = 0; i < names.length; i++) {
          assertAllClose(cpu[i], emu[i], rtol(dt), atol(dt, ks[i]), what + " " + names[i]);
        }
      }
    }
  }

  private static double[][] linearBiasGrads(Device d, DType dt, double[] x, double[] w, double[] b, double[] g1,
      double[] g2, int n, int in, int out) {
    try (Tensor hx = make(x, dt, n, in); Tensor hw = make(w, dt, out, in); Tensor hb = make(b, dt, out);
        Tensor hg1 = make(g1, dt, n, out); Tensor hg2 = make(g2, dt, n, out); Tensor dx = hx.to(d).requiresGrad(true);
        Tensor dw = hw.to(d).requiresGrad(true); Tensor db = hb.to(d).requiresGrad(true); Tensor dg1 = hg1.to(d);
        Tensor dg2 = hg2.to(d)) {
      double[][] out5 = new double[5][];
      try (Tensor y = Linalg.linear(dx, dw, db, "linear")) {
        y.backward(dg1);
      }
      out5[0] = values(dx.grad());
      out5[1] = values(dw.grad());
      out5[2] = values(db.grad());
      try (Tensor y = Linalg.linear(dx.detach(), dw, db, "linear")) {
        y.backward(dg2);
      }
      out5[3] = values(dw.grad());
      out5[4] = values(db.grad());
      return out5;
    }
  }

  // The counts of that fused backward on the emulated device: the input gradient's GEMM and the one cuBLASLt call
  // for dW and db, no kernel; with the bias's gradient already there, the row sum and its addition come back.
  @Test
  void linearBackwardTakesTheBiasGradientFromTheWeightGradientCall() {
    int n = 8, in = 12, out = 6;
    Random r = new Random(18);
    try (Tensor hx = make(uniform(r, n * in, -1, 1), DType.FLOAT32, n, in);
        Tensor hw = make(uniform(r, out * in, -1, 1), DType.FLOAT32, out, in);
        Tensor hb = make(uniform(r, out, -1, 1), DType.FLOAT32, out);
        Tensor hg = make(uniform(r, n * out, -1, 1), DType.FLOAT32, n, out);
        Tensor x = hx.to(EMU).requiresGrad(true); Tensor w = hw.to(EMU).requiresGrad(true);
        Tensor b = hb.to(EMU).requiresGrad(true); Tensor g = hg.to(EMU)) {
      DeviceStats fresh, accumulating;
      try (Tensor y = Linalg.linear(x, w, b, "linear")) {
        DeviceStats before = EMU.stats();
        y.backward(g);
        fresh = EMU.stats().minus(before);
      }
      try (Tensor y = Linalg.linear(x, w, b, "linear")) {
        DeviceStats before = EMU.stats();
        y.backward(g);
        accumulating = EMU.stats().minus(before);
      }
      assertEquals(2, fresh.vendorCalls(), "fresh gradients: " + fresh.line());
      assertEquals(0, fresh.launches(), "fresh gradients: " + fresh.line());
      assertEquals(2, accumulating.vendorCalls(), "accumulating: " + accumulating.line());
      assertTrue(accumulating.launches() >= 1, "accumulating: the row sum is a kernel again: " + accumulating.line());
    }
  }

  // Without an inner dimension the product is zero and y = [relu](bias): the unfused path, as before.
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void linearWithoutInputsIsTheBias(TestDevice testDevice) {
    Device dev = testDevice.device();
    double[] bias = {0.5, -1, 2};
    for (DType dt : FLOATS) {
      for (boolean relu : new boolean[] {false, true}) {
        double[] got = linear(dev, dt, new double[0], new double[0], bias, 2, 0, 3, relu);
        double[] want = relu ? new double[] {0.5, 0, 2, 0.5, 0, 2} : new double[] {0.5, -1, 2, 0.5, -1, 2};
        assertAllClose(want, got, 0, 0, dt + " relu=" + relu);
      }
    }
  }

  // The emulation only, as for matmul: the TF32 option reaches the fused Linear (CUBLAS_COMPUTE_32F_FAST_TF32).
  @Test
  void tf32OptionRoundsTheFusedLinearWhileOn() {
    double x = 1 + Math.pow(2, -15);
    try {
      EMU.setTf32(true);
      assertEquals(1.5, linear(EMU, DType.FLOAT32, new double[] {x}, new double[] {1}, new double[] {0.5}, 1, 1, 1,
          true)[0], 0.0, "TF32 product plus bias");
    } finally {
      EMU.setTf32(false);
    }
    assertEquals((float) (x + 0.5), linear(EMU, DType.FLOAT32, new double[] {x}, new double[] {1},
        new double[] {0.5}, 1, 1, 1, true)[0], 0.0, "full float32 product plus bias");
  }

  // ---- bf16 Linear ---------------------------------------------------------------------------

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void bf16LinearMatchesCpuBf16AndStaysNearFloat32(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(15);
    int[][] shapes = {{1, 1, 1}, {1, 31, 17}, {5, 33, 16}, {19, 70, 3}};
    for (int[] s : shapes) {
      int n = s[0], in = s[1], out = s[2];
      double[] x = uniform(r, n * in, -2, 2), w = uniform(r, out * in, -1, 1), bias = uniform(r, out, -1, 1);
      for (boolean withBias : new boolean[] {false, true}) {
        for (boolean relu : new boolean[] {false, true}) {
          double[] cpu = linearBf16(Device.cpu(), x, w, withBias ? bias : null, n, in, out, relu);
          double[] emu = linearBf16(dev, x, w, withBias ? bias : null, n, in, out, relu);
          double[] f32 = linear(Device.cpu(), DType.FLOAT32, x, w, withBias ? bias : null, n, in, out, relu);
          String what = n + "x" + in + "->" + out + " bias=" + withBias + " relu=" + relu;
          // Same bf16 operands on both devices: products are exact in float32, only summation differs.
          assertAllClose(cpu, emu, 1e-5, 1e-5 * in, what + " (" + dev + " vs cpu bf16)");
          // bf16 keeps 8 significant bits: each operand is off by at most 2^-9 relatively.
          assertAllClose(f32, emu, 0, 2 * Math.pow(2, -8) * 2 * in, what + " (" + dev + " bf16 vs float32)");
        }
      }
    }
  }

  private static double[] linearBf16(Device d, double[] x, double[] w, double[] bias, int n, int in, int out,
      boolean relu) {
    try (Tensor hx = make(x, DType.FLOAT32, n, in); Tensor hw = make(w, DType.FLOAT32, out, in);
        Tensor hb = bias == null ? null : make(bias, DType.FLOAT32, out); Tensor dx = hx.to(d);
        Tensor dw = hw.to(d); Tensor db = hb == null ? null : hb.to(d); Tensor packed = Linalg.packBf16(dw);
        Tensor y = Linalg.linearBf16(dx, packed, out, db, relu, "linear_bf16")) {
      return values(y);
    }
  }
}
