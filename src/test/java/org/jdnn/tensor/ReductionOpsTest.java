package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Sums, means and reshapes beyond the op database's rows (ReductionRows, ShapeRows: forward,
 * gradients and refusals of sum, mean, sumTo, argmax, reshape, flatten): exact gradients, a
 * correctly rounded large float32 sum, composite gradients through reshapes.
 */
@EveryDevice
class ReductionOpsTest {

  // ---- sum() and mean() ---------------------------------------------------------------------------

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
