package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.makeOrScalar;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sums, means, sumTo (reverse broadcasting), argmax, and reshape/flatten gradients. */
class ReductionOpsTest {

  // ---- helpers ---------------------------------------------------------------------------------

  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  /** Reference: sums x (shape xs) down to {@code target}, right-aligned as in broadcasting. */
  static double[] sumToRef(double[] x, long[] xs, long[] target) {
    double[] y = new double[numel(target)];
    long[] idx = new long[xs.length];
    int off = xs.length - target.length;
    for (int i = 0; i < x.length; i++) {
      long rem = i;
      for (int d = xs.length - 1; d >= 0; d--) {
        idx[d] = rem % xs[d];
        rem /= xs[d];
      }
      int flat = 0;
      for (int d = 0; d < target.length; d++) flat = (int) (flat * target[d] + (target[d] == 1 ? 0 : idx[d + off]));
      y[flat] += x[i];
    }
    return y;
  }

  // ---- sum() and mean() ---------------------------------------------------------------------------

  static Stream<long[]> allShapes() {
    return Stream.of(new long[] {}, new long[] {1}, new long[] {1, 1}, new long[] {4, 5}, new long[] {2, 3, 4},
        new long[] {7}, new long[] {3, 1, 2, 2});
  }

  @ParameterizedTest
  @MethodSource("allShapes")
  void sumAndMeanOfAllElements(long[] shape) {
    Random r = new Random(Arrays.hashCode(shape));
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] x = representable(uniform(r, numel(shape), -2, 2), dt);
        Tensor t = makeOrScalar(x, dt, shape);
        double ref = 0;
        for (double v : x) ref += v;
        Tensor sum = t.sum(), mean = t.mean();
        assertEquals(0, sum.rank(), "sum is a rank-0 scalar");
        assertEquals(0, mean.rank(), "mean is a rank-0 scalar");
        assertEquals(dt, sum.dtype());
        String what = Arrays.toString(shape) + " " + dt;
        assertEquals(ref, sum.item(), atol(dt) + rtol(dt) * Math.abs(ref), "sum " + what);
        assertEquals(ref / x.length, mean.item(), atol(dt) + rtol(dt) * Math.abs(ref), "mean " + what);
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor a = makeOrScalar(uniform(r, numel(shape), -2, 2), DType.FLOAT64, shape);
      GradCheck.check(in -> in[0].sum(), a).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> in[0].mean(), a).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void sumAndMeanGradientsAreExact() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4).requiresGrad(true);
      x.sum().backward();
      assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, x.grad().toDoubleArray(), 0.0);
      x.clearGrad();
      x.mean().backward();
      double[] eighth = new double[8];
      Arrays.fill(eighth, 0.125);
      assertArrayEquals(eighth, x.grad().toDoubleArray(), 0.0);
      assertArrayEquals(new long[] {2, 4}, x.grad().shape());
    }
  }

  @Test
  void largeFloat32SumIsAccurate() {
    // 100,003 rows of float32 values: the kernels accumulate in double, so each result is the
    // correctly rounded float of the exact sum (a float accumulator would be off by many ulps).
    int n = 100_003;
    float[] f = new float[2 * n];
    double all = 0, col0 = 0, col1 = 0;
    Random r = new Random(77);
    for (int i = 0; i < 2 * n; i++) {
      f[i] = 1 + r.nextFloat() * 1e-3f;
      all += f[i];
      if (i % 2 == 0) col0 += f[i];
      else col1 += f[i];
    }
    try (TensorScope s = new TensorScope()) {
      Tensor t = Tensor.of(f, n, 2);
      assertEquals(all, t.sum().item(), Math.ulp((float) all));
      assertEquals(all / (2 * n), t.mean().item(), 2 * Math.ulp((float) (all / (2 * n))));
      // column sums (the bias-gradient path: summing over the leading dimension)
      double[] cols = values(t.sum(0, false));
      assertEquals(col0, cols[0], Math.ulp((float) col0));
      assertEquals(col1, cols[1], Math.ulp((float) col1));
    }
  }

  // ---- sum(dim) and mean(dim) ---------------------------------------------------------------------

  static Stream<Arguments> dims() {
    Stream.Builder<Arguments> b = Stream.builder();
    long[][] shapes = {{2, 3, 4}, {5, 1}, {1, 6}, {7}, {3, 2, 1, 4}};
    for (long[] shape : shapes) {
      for (int d = -shape.length; d < shape.length; d++) {
        for (boolean keep : new boolean[] {true, false}) b.add(Arguments.of(shape, d, keep));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} dim={1} keepDim={2}")
  @MethodSource("dims")
  void sumAndMeanOverOneDimension(long[] shape, int dim, boolean keepDim) {
    int d = dim < 0 ? shape.length + dim : dim;
    long[] kept = shape.clone();
    kept[d] = 1;
    long[] dropped = new long[shape.length - 1];
    for (int i = 0, j = 0; i < shape.length; i++) if (i != d) dropped[j++] = shape[i];
    long[] expectedShape = keepDim ? kept : dropped;
    Random r = new Random(Arrays.hashCode(shape) * 13L + dim * 2 + (keepDim ? 1 : 0));
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] x = representable(uniform(r, numel(shape), -2, 2), dt);
        Tensor t = makeOrScalar(x, dt, shape);
        double[] ref = sumToRef(x, shape, kept);
        String what = Arrays.toString(shape) + " dim " + dim + " keep " + keepDim + " " + dt;
        Tensor sum = t.sum(dim, keepDim);
        assertArrayEquals(expectedShape, sum.shape(), "sum shape " + what);
        assertAllClose(ref, values(sum), rtol(dt), atol(dt), "sum " + what);
        Tensor mean = t.mean(dim, keepDim);
        assertArrayEquals(expectedShape, mean.shape(), "mean shape " + what);
        double[] meanRef = ref.clone();
        for (int i = 0; i < meanRef.length; i++) meanRef[i] /= shape[d];
        assertAllClose(meanRef, values(mean), rtol(dt), atol(dt), "mean " + what);
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(uniform(r, numel(shape), -2, 2), shape);
      GradCheck.check(in -> in[0].sum(dim, keepDim), a).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> in[0].mean(dim, keepDim), a).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void sumOverDimensionKnownValues() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertArrayEquals(new double[] {5, 7, 9}, x.sum(0, false).toDoubleArray(), 0.0);
      assertArrayEquals(new double[] {6, 15}, x.sum(1, false).toDoubleArray(), 0.0);
      assertArrayEquals(new double[] {6, 15}, x.sum(-1, true).toDoubleArray(), 0.0);
      assertArrayEquals(new long[] {2, 1}, x.sum(-1, true).shape());
      assertArrayEquals(new double[] {2.5, 3.5, 4.5}, x.mean(0, false).toDoubleArray(), 0.0);
      assertArrayEquals(new double[] {2, 5}, x.mean(1, true).toDoubleArray(), 0.0);
    }
  }

  @Test
  void meanOverDimensionGradientIsOneOverSize() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4).requiresGrad(true);
      x.mean(1, false).sum().backward();
      double[] quarter = new double[8];
      Arrays.fill(quarter, 0.25);
      assertArrayEquals(quarter, x.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void dimensionOutOfRangeIsRejected() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(2, 3);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.sum(2, false));
      assertTrue(e.getMessage().contains("2"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> x.sum(-3, true));
      assertThrows(RuntimeException.class, () -> x.mean(5, false));
      assertThrows(IllegalArgumentException.class, () -> Tensor.ofInts(new int[] {1, 2}).sum());
    }
  }

  // ---- sumTo --------------------------------------------------------------------------------------

  static Stream<Arguments> sumToCases() {
    return Stream.of(
        Arguments.of(new long[] {2, 3, 4}, new long[] {3, 4}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {1, 4}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {3, 1}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {2, 1, 4}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {1, 3, 1}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {1, 1, 1}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {4}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {1}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {}),
        Arguments.of(new long[] {2, 3, 4}, new long[] {2, 3, 4}),
        Arguments.of(new long[] {5, 7}, new long[] {7}),
        Arguments.of(new long[] {5, 7}, new long[] {5, 1}),
        Arguments.of(new long[] {5, 7}, new long[] {1, 7}),
        Arguments.of(new long[] {1, 7}, new long[] {7}),
        Arguments.of(new long[] {9, 1}, new long[] {1}),
        Arguments.of(new long[] {3, 1, 5}, new long[] {1, 5}),
        Arguments.of(new long[] {2, 2, 3, 3}, new long[] {2, 1, 3}));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("sumToCases")
  void sumToReversesBroadcasting(long[] shape, long[] target) {
    Random r = new Random(Arrays.hashCode(shape) * 31L + Arrays.hashCode(target));
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] x = representable(uniform(r, numel(shape), -2, 2), dt);
        Tensor y = makeOrScalar(x, dt, shape).sumTo(target);
        String what = Arrays.toString(shape) + " -> " + Arrays.toString(target) + " " + dt;
        assertArrayEquals(target, y.shape(), what);
        assertAllClose(sumToRef(x, shape, target), values(y), rtol(dt), atol(dt), what);
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(uniform(r, numel(shape), -2, 2), shape);
      GradCheck.check(in -> in[0].sumTo(target), a).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void sumToRejectsShapesThatDoNotBroadcast() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(2, 3, 4);
      assertThrows(IllegalArgumentException.class, () -> x.sumTo(2, 4));
      assertThrows(IllegalArgumentException.class, () -> x.sumTo(3));
      assertThrows(IllegalArgumentException.class, () -> x.sumTo(1, 2, 3, 4));
      assertThrows(IllegalArgumentException.class, () -> x.sumTo(5, 3, 4));
    }
  }

  // ---- argmax -------------------------------------------------------------------------------------

  @Test
  void argmaxFirstMaximumWinsAndIsInt64() {
    double[] x = {
        1, 3, 3, 2,        // tie: first 3 wins -> 1
        -5, -1, -1, -7,    // all negative, tie -> 1
        4, 4, 4, 4,        // all equal -> 0
        0, 0, 0, 9,        // last -> 3
        -0.0, 0.0, -1, -2, // -0 == 0: first wins -> 0
        Double.NEGATIVE_INFINITY, -1e300, Double.NEGATIVE_INFINITY, -1e300}; // -> 1
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] xv = dt == DType.FLOAT32 ? new double[] {
            1, 3, 3, 2, -5, -1, -1, -7, 4, 4, 4, 4, 0, 0, 0, 9, -0.0, 0.0, -1, -2,
            Double.NEGATIVE_INFINITY, -1e30, Double.NEGATIVE_INFINITY, -1e30} : x;
        Tensor a = makeOrScalar(xv, dt, 6, 4).argmax();
        assertEquals(DType.INT64, a.dtype());
        assertArrayEquals(new long[] {6}, a.shape());
        assertArrayEquals(new long[] {1, 1, 0, 3, 0, 1}, a.toLongArray(), "argmax " + dt);
      }
    }
  }

  @Test
  void argmaxTreatsNaNAsTheMaximumLikePyTorch() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor a = makeOrScalar(new double[] {1, Double.NaN, 3, Double.NaN, 5, 6, 2, 1}, dt, 2, 4).argmax();
        assertArrayEquals(new long[] {1, 1}, a.toLongArray(), "argmax " + dt);
      }
    }
  }

  @Test
  void argmaxMatchesReferenceOnRandomRowsAndShapes() {
    Random r = new Random(5);
    for (long[] shape : List.of(new long[] {7}, new long[] {1, 1}, new long[] {5, 13}, new long[] {2, 3, 4},
        new long[] {129, 10})) {
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, numel(shape), -3, 3), dt);
          // a few exact ties to exercise the first-wins rule
          int c = (int) shape[shape.length - 1];
          if (c > 2) for (int i = 0; i + c <= x.length; i += 2 * c) x[i + c - 1] = x[i + 1] = 10;
          Tensor a = makeOrScalar(x, dt, shape).argmax();
          long[] lead = Arrays.copyOf(shape, shape.length - 1);
          assertArrayEquals(lead, a.shape(), "argmax shape " + Arrays.toString(shape));
          long[] ref = new long[x.length / c];
          for (int row = 0; row < ref.length; row++) {
            int best = 0;
            for (int j = 1; j < c; j++) if (x[row * c + j] > x[row * c + best]) best = j;
            ref[row] = best;
          }
          assertArrayEquals(ref, a.toLongArray(), "argmax " + Arrays.toString(shape) + " " + dt);
        }
      }
    }
  }

  @Test
  void argmaxOfVectorIsScalarAndIsNotRecorded() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0.5, 2.5, -1}).requiresGrad(true);
      Tensor a = x.argmax();
      assertEquals(0, a.rank());
      assertEquals(1.0, a.item(), 0.0);
      assertTrue(!a.requiresGrad(), "argmax output has no gradient");
      assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1.0).argmax());
    }
  }

  // ---- reshape and flatten --------------------------------------------------------------------------

  @Test
  void reshapeKeepsRowMajorOrderAndInfersMinusOne() {
    try (TensorScope s = new TensorScope()) {
      double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
      Tensor x = Tensor.of(v, 2, 3, 2);
      Tensor y = x.reshape(4, -1);
      assertArrayEquals(new long[] {4, 3}, y.shape());
      assertArrayEquals(v, y.toDoubleArray(), 0.0);
      assertArrayEquals(new long[] {2, 6}, x.flatten().shape());
      assertArrayEquals(v, x.flatten().toDoubleArray(), 0.0);
      assertArrayEquals(new long[] {1}, Tensor.scalar(3.0).flatten().shape());
      assertArrayEquals(new long[] {12}, x.reshape(-1).shape());
      assertArrayEquals(new long[] {}, Tensor.of(new double[] {4}).reshape().shape());
      // row 1, column 2 of the [4, 3] view is element 5 (0-based) of the data
      assertEquals(6.0, y.getDouble(5), 0.0);
      assertEquals(8.0, x.sum(0, false).getDouble(0), 0.0); // 1 + 7
      assertThrows(IllegalArgumentException.class, () -> x.reshape(5, -1));
      assertThrows(IllegalArgumentException.class, () -> x.reshape(-1, -1));
      assertThrows(IllegalArgumentException.class, () -> x.reshape(3, 3));
    }
  }

  @Test
  void reshapeAndFlattenGradientsFlowBackInOriginalShape() {
    Random r = new Random(9);
    try (TensorScope s = new TensorScope()) {
      Tensor w = Tensor.of(uniform(r, 12, -1, 1), 4, 3);
      Tensor x = Tensor.of(uniform(r, 12, -1, 1), 2, 3, 2);
      // a non-uniform function of the reshaped values, so a wrong element order would show
      GradCheck.check(in -> in[0].reshape(4, 3).mul(w).square(), x).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> in[0].flatten().matmul(w.reshape(6, 2)).tanh(), x).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> in[0].reshape(-1).reshape(3, 4).sum(0, false), x).assertWithin(1e-6, 1e-5);

      Tensor y = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
      Tensor weights = Tensor.of(new double[] {10, 20, 30, 40, 50, 60}, 3, 2);
      y.reshape(3, 2).mul(weights).sum().backward();
      assertArrayEquals(new long[] {2, 3}, y.grad().shape());
      assertArrayEquals(new double[] {10, 20, 30, 40, 50, 60}, y.grad().toDoubleArray(), 0.0);
    }
  }
}
