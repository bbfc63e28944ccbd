package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Dropout beyond the op database's rows (DropoutRows: the Philox mask element by element and per
 * channel, inverted scaling, gradients, refusals): the kept fraction's statistics, determinism and
 * counter shifts, the backward's mask, p = 0 as a copy.
 */
@EveryDevice
class DropoutOpsTest {

  static Tensor ones(int n) {
    float[] v = new float[n];
    Arrays.fill(v, 1f);
    return Tensor.of(v);
  }

  @Test
  void keptFractionIsOneMinusPAndKeptValuesAreScaled() {
    int n = 100_000;
    for (double p : new double[] {0.1, 0.5, 0.8}) {
      try (TensorScope s = new TensorScope()) {
        float[] x = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) x[i] = 0.5f + r.nextFloat();  // never 0, so a 0 output means dropped
        float[] y = DropoutOps.dropout(Tensor.of(x), p, false, 42, 0, "Dropout(p=" + p + ")").toFloatArray();
        int kept = 0;
        float scale = (float) (1.0 / (1.0 - p));
        for (int i = 0; i < n; i++) {
          if (y[i] != 0) {
            kept++;
            assertEquals(x[i] * scale, y[i], 0f, "kept element " + i);
          }
        }
        double fraction = kept / (double) n, se = Math.sqrt(p * (1 - p) / n);
        assertEquals(1 - p, fraction, 5 * se, "kept fraction for p = " + p);
      }
    }
  }

  @Test
  void sameSeedAndOffsetGiveTheSameMaskOtherOffsetsShiftIt() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = ones(1000);
      float[] a = DropoutOps.dropout(x, 0.5, false, 7, 100, "Dropout(p=0.5)").toFloatArray();
      float[] b = DropoutOps.dropout(x, 0.5, false, 7, 100, "Dropout(p=0.5)").toFloatArray();
      float[] c = DropoutOps.dropout(x, 0.5, false, 7, 1100, "Dropout(p=0.5)").toFloatArray();
      float[] shifted = DropoutOps.dropout(x, 0.5, false, 7, 101, "Dropout(p=0.5)").toFloatArray();
      float[] otherSeed = DropoutOps.dropout(x, 0.5, false, 8, 100, "Dropout(p=0.5)").toFloatArray();
      assertArrayEquals(a, b, 0f);
      assertFalse(Arrays.equals(a, c), "a different offset gives a different mask");
      assertFalse(Arrays.equals(a, otherSeed), "a different seed gives a different mask");
      // counter-based: offset 101 is offset 100 moved by one element
      assertArrayEquals(Arrays.copyOfRange(a, 1, 1000), Arrays.copyOfRange(shifted, 0, 999), 0f);
    }
  }

  @Test
  void gradientUsesTheSameMask() {
    try (TensorScope s = new TensorScope()) {
      Random r = new Random(3);
      Tensor x = Tensor.of(uniform(r, 500, -1, 1), 5, 10, 10).requiresGrad(true);
      Tensor y = DropoutOps.dropout(x, 0.25, false, 11, 0, "Dropout(p=0.25)");
      y.sum().backward();
      double[] yv = y.toDoubleArray(), xv = x.toDoubleArray(), g = x.grad().toDoubleArray();
      for (int i = 0; i < 500; i++) {
        double expected = yv[i] != 0 ? 1 / 0.75 : 0;
        assertEquals(expected, g[i], 1e-15, "gradient " + i);
        assertEquals(xv[i] * expected, yv[i], 1e-15);
      }
      Tensor x2 = Tensor.of(uniform(r, 2 * 3 * 4, -1, 1), 2, 3, 4);
      GradCheck.check(in -> DropoutOps.dropout(in[0], 0.5, false, 4, 9, "Dropout(p=0.5)"), x2).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> DropoutOps.dropout(in[0], 0.5, true, 4, 9, "Dropout2d(p=0.5)"), x2).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void zeroProbabilityIsAnIdentityCopy() {
    try (TensorScope s = new TensorScope()) {
      double[] v = uniform(new Random(4), 30, -1, 1);
      Tensor x = Tensor.of(v, 3, 10).requiresGrad(true);
      Tensor y = DropoutOps.dropout(x, 0, false, 1, 0, "Dropout(p=0)");
      assertArrayEquals(v, y.toDoubleArray(), 0.0);
      y.backward(Tensor.of(v, 3, 10));
      assertArrayEquals(v, x.grad().toDoubleArray(), 0.0);
      // a copy, not the input itself
      MemoryOps.fill(y, 0);
      assertArrayEquals(v, x.toDoubleArray(), 0.0);
    }
  }

}
