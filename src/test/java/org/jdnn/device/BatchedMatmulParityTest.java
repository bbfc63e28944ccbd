package org.jdnn.device;

import org.jdnn.tensor.NativeCalls;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.NativeHandles;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bmm on the emulated CUDA device (one strided-batched cuBLAS call, emulated) against the CPU backend and a
 * direct loop over the batch, float32 and float64, every transpose pair and scale, forward and backward.
 */
class BatchedMatmulParityTest {
  private static final Device EMU = Device.cudaEmulated();


  // (batch, m, k, n): batch 1, scalars, vectors, odd sizes, a batch larger than the thread count
  private static final int[][] SHAPES = {
      {1, 1, 1, 1}, {1, 7, 5, 3}, {3, 1, 4, 1}, {2, 6, 1, 4}, {5, 17, 9, 13}, {9, 3, 65, 7}, {2, 33, 2, 40}};
  private static final double[][] ALPHA_BETA = {{1, 0}, {-0.5, 0.75}, {2, 1}};

  private static double rtol(DType dt) {
    return dt == DType.FLOAT32 ? 1e-5 : 1e-12;
  }

  private static double atol(DType dt, int k) {
    return (dt == DType.FLOAT32 ? 2e-6 : 1e-13) * Math.max(1, k);
  }

  private static long[] shapeA(int batch, int m, int k, boolean ta) {
    return ta ? new long[] {batch, k, m} : new long[] {batch, m, k};
  }

  private static long[] shapeB(int batch, int k, int n, boolean tb) {
    return tb ? new long[] {batch, n, k} : new long[] {batch, k, n};
  }

  /** c[i] = alpha op(a[i]) op(b[i]) + beta c[i] in double; beta 0 does not read c. */
  private static double[] reference(double[] a, double[] b, double[] c, int batch, int m, int k, int n, boolean ta,
      boolean tb, double alpha, double beta) {
    double[] out = new double[batch * m * n];
    for (int e = 0; e < batch; e++) {
      int oa = e * m * k, ob = e * k * n, oc = e * m * n;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int l = 0; l < k; l++) {
            s += (ta ? a[oa + l * m + i] : a[oa + i * k + l]) * (tb ? b[ob + j * k + l] : b[ob + l * n + j]);
          }
          out[oc + i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[oc + i * n + j]);
        }
      }
    }
    return out;
  }

  private static double[] runBmm(Device d, DType dt, double[] a, long[] as, double[] b, long[] bs, double[] c,
      long[] cs, boolean ta, boolean tb, double alpha, double beta) {
    try (Tensor ha = make(a, dt, as); Tensor hb = make(b, dt, bs); Tensor hc = make(c, dt, cs);
        Tensor da = ha.to(d); Tensor db = hb.to(d); Tensor dc = hc.to(d)) {
      NativeCalls.check(JdnnNative.op_bmm(NativeHandles.of(da), NativeHandles.of(db), NativeHandles.of(dc), ta, tb, alpha, beta));
      assertEquals(d, dc.device());
      return values(dc);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void bmmMatchesCpuAndReferenceForEveryTransposeAndScale(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(21);
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int batch = s[0], m = s[1], k = s[2], n = s[3];
        for (int t = 0; t < 4; t++) {
          boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
          for (double[] ab : ALPHA_BETA) {
            double[] a = representable(uniform(r, batch * m * k, -1, 1), dt);
            double[] b = representable(uniform(r, batch * k * n, -1, 1), dt);
            double[] c = representable(uniform(r, batch * m * n, -1, 1), dt);
            long[] as = shapeA(batch, m, k, ta), bs = shapeB(batch, k, n, tb), cs = {batch, m, n};
            String what = dt + " " + batch + "x(" + m + "x" + k + "x" + n + ") ta=" + ta + " tb=" + tb + " alpha="
                + ab[0] + " beta=" + ab[1];
            double[] expected = reference(a, b, c, batch, m, k, n, ta, tb, ab[0], ab[1]);
            double[] dv = runBmm(dev, dt, a, as, b, bs, c, cs, ta, tb, ab[0], ab[1]);
            double[] cpu = runBmm(Device.cpu(), dt, a, as, b, bs, c, cs, ta, tb, ab[0], ab[1]);
            assertAllClose(expected, dv, rtol(dt), atol(dt, k), what + " (" + dev + " vs reference)");
            assertAllClose(cpu, dv, rtol(dt), atol(dt, k), what + " (" + dev + " vs cpu)");
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void betaZeroIgnoresNanInTheOutputAndEmptyInnerSizeScalesC(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(22);
    for (DType dt : FLOATS) {
      int batch = 3, m = 2, k = 3, n = 4;
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
        double[] a = representable(uniform(r, batch * m * k, -1, 1), dt);
        double[] b = representable(uniform(r, batch * k * n, -1, 1), dt);
        double[] nan = new double[batch * m * n];
        Arrays.fill(nan, Double.NaN);
        long[] as = shapeA(batch, m, k, ta), bs = shapeB(batch, k, n, tb), cs = {batch, m, n};
        double[] expected = reference(a, b, nan, batch, m, k, n, ta, tb, 1.5, 0);
        String what = dt + " beta=0, C=NaN, ta=" + ta + " tb=" + tb;
        assertAllClose(expected, runBmm(dev, dt, a, as, b, bs, nan, cs, ta, tb, 1.5, 0), rtol(dt), atol(dt, k),
            what + " (" + dev + ")");
        assertAllClose(expected, runBmm(Device.cpu(), dt, a, as, b, bs, nan, cs, ta, tb, 1.5, 0), rtol(dt),
            atol(dt, k), what + " (cpu)");
      }
      // k = 0: each op(A) op(B) is zero, so C = beta C.
      double[] c = {1, -2, 3, 4, 5, -6};
      double[] scaled = runBmm(dev, dt, new double[0], new long[] {3, 1, 0}, new double[0], new long[] {3, 0, 2}, c,
          new long[] {3, 1, 2}, false, false, 1, 0.5);
      assertAllClose(new double[] {0.5, -1, 1.5, 2, 2.5, -3}, scaled, 0, 0, dt + " k=0");
    }
  }

  // The emulation only: TF32 rounding shows there; a pre-Ampere GPU would keep full float32.
  @Test
  void tf32OptionRoundsFloat32ProductsOnlyWhileOn() {
    // 1 + 2^-15 needs 15 mantissa bits; TF32 keeps 10, so each product rounds to exactly 1.
    double x = 1 + Math.pow(2, -15);
    double[] a = {x, x}, b = {1, 1};
    long[] s = {2, 1, 1};
    try {
      EMU.setTf32(true);
      double[] on = runBmm(EMU, DType.FLOAT32, a, s, b, s, new double[2], s, false, false, 1, 0);
      assertAllClose(new double[] {1, 1}, on, 0, 0, "TF32 products");
      double[] f64 = runBmm(EMU, DType.FLOAT64, a, s, b, s, new double[2], s, false, false, 1, 0);
      assertAllClose(new double[] {x, x}, f64, 0, 0, "float64 ignores TF32");
    } finally {
      EMU.setTf32(false);
    }
    double[] off = runBmm(EMU, DType.FLOAT32, a, s, b, s, new double[2], s, false, false, 1, 0);
    assertAllClose(new double[] {x, x}, off, 0, 0, "full float32 products");
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void bmmBackwardMatchesCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(23);
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int batch = s[0], m = s[1], k = s[2], n = s[3];
        for (int t = 0; t < 4; t++) {
          boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
          double[] a = uniform(r, batch * m * k, -1, 1), b = uniform(r, batch * k * n, -1, 1);
          double[] g = uniform(r, batch * m * n, -1, 1);
          long[] as = shapeA(batch, m, k, ta), bs = shapeB(batch, k, n, tb);
          double[][] cpu = grads(Device.cpu(), dt, a, as, b, bs, g, batch, m, n, ta, tb);
          double[][] dv = grads(dev, dt, a, as, b, bs, g, batch, m, n, ta, tb);
          String what = dt + " " + batch + "x(" + m + "x" + k + "x" + n + ") ta=" + ta + " tb=" + tb;
          assertAllClose(cpu[0], dv[0], rtol(dt), atol(dt, n), what + " dA");
          assertAllClose(cpu[1], dv[1], rtol(dt), atol(dt, m), what + " dB");
        }
      }
    }
  }

  private static double[][] grads(Device d, DType dt, double[] a, long[] as, double[] b, long[] bs, double[] g,
      int batch, int m, int n, boolean ta, boolean tb) {
    try (Tensor ha = make(a, dt, as); Tensor hb = make(b, dt, bs); Tensor hg = make(g, dt, batch, m, n);
        Tensor da = ha.to(d).requiresGrad(true); Tensor db = hb.to(d).requiresGrad(true); Tensor dg = hg.to(d);
        Tensor y = da.bmm(db, ta, tb)) {
      y.backward(dg);
      assertEquals(d, da.grad().device());
      return new double[][] {values(da.grad()), values(db.grad())};
    }
  }
}
