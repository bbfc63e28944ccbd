package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Max and average pooling: forward against direct loops, gradients, PyTorch's padding rule. */
class PoolOpsTest {

  /** Input (n, c, h, w), kernel, stride and padding. */
  /** A 2x2 window at stride 2, no padding. */
  static final Pool2dGeometry WINDOW_2 = new Pool2dGeometry(2, 2, 2, 2, 0, 0);

  static final class Cfg {
    final String name;
    final int n, c, h, w, kh, kw, sh, sw, ph, pw;

    Cfg(String name, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
      this.name = name;
      this.n = n;
      this.c = c;
      this.h = h;
      this.w = w;
      this.kh = kh;
      this.kw = kw;
      this.sh = sh;
      this.sw = sw;
      this.ph = ph;
      this.pw = pw;
    }

    int oh() {
      return (h + 2 * ph - kh) / sh + 1;
    }

    int ow() {
      return (w + 2 * pw - kw) / sw + 1;
    }

    int size() {
      return n * c * h * w;
    }

    Pool2dGeometry window() {
      return new Pool2dGeometry(kh, kw, sh, sw, ph, pw);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Cfg> configs() {
    return Stream.of(
        new Cfg("k2 s2 (W2)", 2, 3, 8, 6, 2, 2, 2, 2, 0, 0),
        new Cfg("k2 s2 odd input 7x5 (floor mode)", 2, 2, 7, 5, 2, 2, 2, 2, 0, 0),
        new Cfg("k3 s2 overlapping", 2, 2, 7, 7, 3, 3, 2, 2, 0, 0),
        new Cfg("k3 s2 p1 overlapping padded", 2, 2, 8, 7, 3, 3, 2, 2, 1, 1),
        new Cfg("k3 s1 p1", 1, 3, 5, 6, 3, 3, 1, 1, 1, 1),
        new Cfg("k2x3 s1x2 p1x1 non-square", 2, 2, 6, 7, 2, 3, 1, 2, 1, 1),
        new Cfg("k4 s3 p2", 1, 2, 9, 8, 4, 4, 3, 3, 2, 2),
        new Cfg("global 5x4", 3, 2, 5, 4, 5, 4, 1, 1, 0, 0),
        new Cfg("batch 1, one channel, k1", 1, 1, 3, 4, 1, 1, 1, 1, 0, 0));
  }

  static double[] maxRef(Cfg k, double[] x) {
    int oh = k.oh(), ow = k.ow();
    double[] y = new double[k.n * k.c * oh * ow];
    for (int p = 0; p < k.n * k.c; p++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double best = Double.NEGATIVE_INFINITY;  // padding counts as -infinity
          for (int i = 0; i < k.kh; i++) {
            for (int j = 0; j < k.kw; j++) {
              int iy = oy * k.sh - k.ph + i, ix = ox * k.sw - k.pw + j;
              if (iy >= 0 && iy < k.h && ix >= 0 && ix < k.w) best = Math.max(best, x[(p * k.h + iy) * k.w + ix]);
            }
          }
          y[(p * oh + oy) * ow + ox] = best;
        }
      }
    }
    return y;
  }

  static double[] avgRef(Cfg k, double[] x, boolean includePad) {
    int oh = k.oh(), ow = k.ow();
    double[] y = new double[k.n * k.c * oh * ow];
    for (int p = 0; p < k.n * k.c; p++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double sum = 0;
          int cells = 0;
          for (int i = 0; i < k.kh; i++) {
            for (int j = 0; j < k.kw; j++) {
              int iy = oy * k.sh - k.ph + i, ix = ox * k.sw - k.pw + j;
              if (iy >= 0 && iy < k.h && ix >= 0 && ix < k.w) {
                sum += x[(p * k.h + iy) * k.w + ix];
                cells++;
              }
            }
          }
          y[(p * oh + oy) * ow + ox] = sum / (includePad ? k.kh * k.kw : cells);
        }
      }
    }
    return y;
  }

  static Tensor maxPool(Cfg k, Tensor x) {
    return PoolOps.maxPool2d(x, k.window(), "MaxPool2d(" + k.name + ")");
  }

  static Tensor avgPool(Cfg k, Tensor x, boolean includePad) {
    return PoolOps.avgPool2d(x, k.window(), includePad, "AvgPool2d(" + k.name + ")");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void maxPoolForwardMatchesDirectLoops(Cfg k) {
    Random r = new Random(k.name.hashCode());
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        // negative inputs: a padded cell taken as 0 instead of -inf would show
        double[] x = representable(uniform(r, k.size(), -2, -0.5), dt);
        Tensor y = maxPool(k, make(x, dt, k.n, k.c, k.h, k.w));
        assertArrayEquals(new long[] {k.n, k.c, k.oh(), k.ow()}, y.shape(), k.name);
        assertArrayEquals(maxRef(k, x), values(y), 0.0, k.name + " " + dt);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void avgPoolForwardMatchesDirectLoopsInBothModes(Cfg k) {
    Random r = new Random(k.name.hashCode() + 7);
    for (DType dt : FLOATS) {
      for (boolean includePad : new boolean[] {true, false}) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, k.size(), -1, 1), dt);
          Tensor y = avgPool(k, make(x, dt, k.n, k.c, k.h, k.w), includePad);
          assertArrayEquals(new long[] {k.n, k.c, k.oh(), k.ow()}, y.shape());
          assertClose(avgRef(k, x, includePad), values(y), dt == DType.FLOAT64 ? 1e-15 : 1e-6, 1e-6,
              k.name + " countIncludePad=" + includePad + " " + dt);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void poolingPropagatesNaNFromAnyWindowCell(Cfg k) {
    // PyTorch's max_pool2d gives NaN when any cell of the window is NaN, wherever it sits (before or after
    // the maximum); an average over a NaN is NaN.
    Random r = new Random(k.name.hashCode() + 11);
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] x = representable(uniform(r, k.size(), -2, 2), dt);
        for (int i = 0; i < x.length; i += 5) x[i] = Double.NaN;
        Tensor in = make(x, dt, k.n, k.c, k.h, k.w);
        assertSameOrBothNaN(maxRef(k, x), values(maxPool(k, in)), 0.0, k.name + " max " + dt);
        assertSameOrBothNaN(avgRef(k, x, true), values(avgPool(k, in, true)), 1e-6, k.name + " avg " + dt);
      }
    }
  }

  private static void assertSameOrBothNaN(double[] expected, double[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      if (Double.isNaN(expected[i])) assertTrue(Double.isNaN(actual[i]), what + ": element " + i + " should be NaN");
      else assertEquals(expected[i], actual[i], tol, what + ": element " + i);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void poolingGradientsMatchFiniteDifferences(Cfg k) {
    Random r = new Random(k.name.hashCode() + 13);
    try (TensorScope s = new TensorScope()) {
      // distinct values (no near-ties), so the max is differentiable at the test point
      Tensor x = Tensor.of(uniform(r, k.size(), -1, 1), k.n, k.c, k.h, k.w);
      GradCheck.check(in -> maxPool(k, in[0]), x).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> avgPool(k, in[0], true), x).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> avgPool(k, in[0], false), x).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void maxPoolGradientGoesToTheFirstArgMax() {
    try (TensorScope s = new TensorScope()) {
      // one 2x2 window with a tie between positions 1 and 2: the first (row-major) wins
      Tensor x = Tensor.of(new double[] {1, 3, 3, 2}, 1, 1, 2, 2).requiresGrad(true);
      Tensor y = PoolOps.maxPool2d(x, WINDOW_2, "MaxPool2d(2)");
      assertArrayEquals(new double[] {3}, y.toDoubleArray(), 0.0);
      y.sum().backward();
      assertArrayEquals(new double[] {0, 1, 0, 0}, x.grad().toDoubleArray(), 0.0);
      // general path (kernel 3, stride 1, padding 1) on a constant input: every window's first
      // valid cell wins, so the gradient counts how many windows start at each cell
      Tensor c = Tensor.full(-2, DType.FLOAT64, 1, 1, 3, 3).requiresGrad(true);
      PoolOps.maxPool2d(c, new Pool2dGeometry(3, 3, 1, 1, 1, 1), "MaxPool2d(3)").sum().backward();
      assertArrayEquals(new double[] {4, 2, 0, 2, 1, 0, 0, 0, 0}, c.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void overlappingWindowsAccumulateOnASharedMaximum() {
    try (TensorScope s = new TensorScope()) {
      // 1x5 input, kernel 1x3, stride 1: the 9 at index 2 is the max of all three windows
      Tensor x = Tensor.of(new double[] {1, 2, 9, 4, 3}, 1, 1, 1, 5).requiresGrad(true);
      Tensor y = PoolOps.maxPool2d(x, new Pool2dGeometry(1, 3, 1, 1, 0, 0), "MaxPool2d(1x3)");
      assertArrayEquals(new double[] {9, 9, 9}, y.toDoubleArray(), 0.0);
      y.backward(Tensor.of(new double[] {1, 10, 100}, 1, 1, 1, 3));
      assertArrayEquals(new double[] {0, 0, 111, 0, 0}, x.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void maxPoolPropagatesNaN() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, Float.NaN, 5, 2}, 1, 1, 2, 2);
      Tensor y = PoolOps.maxPool2d(x, WINDOW_2, "MaxPool2d(2)");
      assertTrue(Float.isNaN(y.toFloatArray()[0]));
    }
  }

  @Test
  void avgPoolModesDifferOnlyAtPaddedBorders() {
    try (TensorScope s = new TensorScope()) {
      // all-ones 3x3 input, kernel 3, stride 1, padding 1: corners see 4 real cells, edges 6, centre 9
      Tensor x = Tensor.ones(DType.FLOAT64, 1, 1, 3, 3);
      double[] incl = PoolOps.avgPool2d(x, new Pool2dGeometry(3, 3, 1, 1, 1, 1), true, "AvgPool2d(3)").toDoubleArray();
      double[] excl = PoolOps.avgPool2d(x, new Pool2dGeometry(3, 3, 1, 1, 1, 1), false, "AvgPool2d(3)").toDoubleArray();
      assertArrayEquals(new double[] {4 / 9.0, 6 / 9.0, 4 / 9.0, 6 / 9.0, 1, 6 / 9.0, 4 / 9.0, 6 / 9.0, 4 / 9.0}, incl, 1e-15);
      assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, excl, 1e-15);
    }
  }

  @Test
  void paddingAboveHalfTheKernelIsRejected() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(1, 1, 6, 6);
      assertMessage(() -> PoolOps.maxPool2d(x, new Pool2dGeometry(3, 3, 1, 1, 2, 1), "MaxPool2d(3)"), "MaxPool2d(3)",
          "padding 2x1", "half the kernel 3x3");
      assertMessage(() -> PoolOps.avgPool2d(x, new Pool2dGeometry(2, 2, 2, 2, 0, 2), true, "AvgPool2d(2)"),
          "AvgPool2d(2)", "padding 0x2");
      assertMessage(() -> PoolOps.maxPool2d(x, new Pool2dGeometry(7, 7, 1, 1, 0, 0), "MaxPool2d(7)"), "MaxPool2d(7)",
          "kernel larger than the padded input", "padded input 6x6", "kernel 7x7");
      assertMessage(() -> PoolOps.maxPool2d(Tensor.zeros(6, 6), WINDOW_2, "MaxPool2d(2)"), "MaxPool2d(2)",
          "[N, C, H, W]", "[6, 6]");
      assertMessage(() -> PoolOps.maxPool2d(x, new Pool2dGeometry(2, 2, 0, 2, 0, 0), "MaxPool2d(2)"), "MaxPool2d(2)",
          "stride", "0x2");
      assertMessage(() -> PoolOps.maxPool2d(x, null, "MaxPool2d(2)"), "MaxPool2d(2)", "window", "null");
    }
  }
}
