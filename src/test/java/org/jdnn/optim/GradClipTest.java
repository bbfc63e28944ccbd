package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/** Gradient clipping by global norm and by value, against torch's clip_grad_norm_ / clip_grad_value_. */
@EveryDevice
class GradClipTest {

  /** A leaf whose gradient is {@code g} (backward of sum(p * g)). */
  private static Tensor withGrad(double[] g) {
    Tensor p = Tensor.of(new double[g.length]).requiresGrad(true);
    try (TensorScope s = new TensorScope()) {
      p.mul(Tensor.of(g)).sum().backward();
    }
    return p;
  }

  private static Tensor withGrad(float[] g) {
    Tensor p = Tensor.of(new float[g.length]).requiresGrad(true);
    try (TensorScope s = new TensorScope()) {
      p.mul(Tensor.of(g)).sum().backward();
    }
    return p;
  }

  @Test
  void byNormScalesAllGradientsTogetherAndReturnsTheNormBefore() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = withGrad(new double[] {3, 4});
      Tensor b = withGrad(new double[] {12});
      Tensor none = Tensor.of(new double[] {1}).requiresGrad(true);
      double total = GradClip.byNorm(List.of(a, b, none), 6.5);
      assertEquals(13.0, total, 1e-15); // sqrt(9 + 16 + 144)
      double coef = 6.5 / (13.0 + 1e-6);
      assertArrayEquals(new double[] {3 * coef, 4 * coef}, a.grad().toDoubleArray(), 1e-15);
      assertArrayEquals(new double[] {12 * coef}, b.grad().toDoubleArray(), 1e-15);
      assertNull(none.grad());
      // below the limit the norm is reported and nothing changes (at exactly the limit, the 1e-6
      // in the denominator would still shrink the gradients a little, as in torch)
      double after = GradClip.byNorm(List.of(a, b), 10);
      assertEquals(13 * coef, after, 1e-13);
      assertArrayEquals(new double[] {3 * coef, 4 * coef}, a.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void byNormLeavesSmallAndZeroGradientsAlone() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = withGrad(new double[] {0.3, -0.4});
      assertEquals(0.5, GradClip.byNorm(List.of(a), 1.0), 1e-15);
      assertArrayEquals(new double[] {0.3, -0.4}, a.grad().toDoubleArray(), 0.0);
      Tensor z = withGrad(new double[] {0, 0});
      assertEquals(0.0, GradClip.byNorm(List.of(z), 0.0));
      assertArrayEquals(new double[] {0, 0}, z.grad().toDoubleArray(), 0.0);
      // float32 gradients are clipped too
      Tensor f = withGrad(new float[] {6, 8});
      assertEquals(10.0, GradClip.byNorm(List.of(f), 5.0), 1e-6);
      assertArrayEquals(new float[] {3, 4}, f.grad().toFloatArray(), 1e-5f);
    }
  }

  @Test
  void byNormWithNonFiniteGradients() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = withGrad(new double[] {Double.POSITIVE_INFINITY, 1});
      IllegalStateException ex = assertThrows(IllegalStateException.class, () -> GradClip.byNorm(List.of(a), 1.0, true));
      assertTrue(ex.getMessage().contains("Infinity"), ex.getMessage());
      assertEquals(1.0, a.grad().toDoubleArray()[1], "unchanged after the error");
      // torch's default: the infinite norm is returned and the coefficient 0 turns inf into NaN
      assertEquals(Double.POSITIVE_INFINITY, GradClip.byNorm(List.of(a), 1.0));
      assertTrue(Double.isNaN(a.grad().toDoubleArray()[0]));
      assertEquals(0.0, a.grad().toDoubleArray()[1]);
    }
  }

  @Test
  void byValueClampsEveryElement() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = withGrad(new double[] {-3, 0.5, 2, -0.25, Double.NaN});
      Tensor f = withGrad(new float[] {7, -7, 0.1f});
      GradClip.byValue(List.of(a, f), 1.0);
      double[] g = a.grad().toDoubleArray();
      assertArrayEquals(new double[] {-1, 0.5, 1, -0.25}, java.util.Arrays.copyOf(g, 4), 0.0);
      assertTrue(Double.isNaN(g[4]), "NaN stays NaN, as torch.clamp");
      assertArrayEquals(new float[] {1, -1, 0.1f}, f.grad().toFloatArray(), 0f);
      GradClip.byValue(List.of(a), 0.0);
      assertArrayEquals(new double[] {0, 0, 0, 0}, java.util.Arrays.copyOf(a.grad().toDoubleArray(), 4), 0.0);
    }
  }

  @Test
  void badLimitsAreRejected() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = withGrad(new double[] {1});
      IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> GradClip.byNorm(List.of(a), -1.0));
      assertTrue(e1.getMessage().contains("maxNorm must be a finite number >= 0, got -1.0"), e1.getMessage());
      IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> GradClip.byValue(List.of(a), Double.NaN));
      assertTrue(e2.getMessage().contains("clipValue must be a finite number >= 0, got NaN"), e2.getMessage());
    }
  }
}
