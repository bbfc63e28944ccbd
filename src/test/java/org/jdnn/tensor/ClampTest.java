package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * What the op database's central differences cannot see: torch.clamp's gradient exactly on a bound
 * (PyTorch passes it: min &lt;= x &lt;= max), at NaN (0) and with crossed bounds (0 everywhere, the
 * forward giving max); and the forms of GELU and rsqrt at their special points.
 */
@EveryDevice
class ClampTest {
  private static final double NAN = Double.NaN, INF = Double.POSITIVE_INFINITY;

  @Test
  void gradientPassesOnTheBoundsAndStopsOutsideAndAtNaN() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {-2, -1, 0.5, 1, 3, NAN}, dt).requiresGrad(true);
        Tensor y = x.clamp(-1, 1);
        assertArrayEquals(new double[] {-1, -1, 0.5, 1, 1, NAN}, values(y), 0.0, "clamp " + dt);
        y.sum().backward();
        assertArrayEquals(new double[] {0, 1, 1, 1, 0, 0}, values(x.grad()), 0.0, "clamp gradient " + dt);
      }
    }
  }

  @Test
  void oneSidedFormsPassTheGradientOnTheirBound() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {-INF, -1, 0, 2, INF}, dt).requiresGrad(true);
        x.clampMin(0).sum().backward();
        assertArrayEquals(new double[] {0, 0, 1, 1, 1}, values(x.grad()), 0.0, "clampMin gradient " + dt);
        x.clearGrad();
        x.clampMax(0).sum().backward();
        assertArrayEquals(new double[] {1, 1, 1, 0, 0}, values(x.grad()), 0.0, "clampMax gradient " + dt);
      }
    }
  }

  @Test
  void crossedBoundsGiveMaxAndNoGradient() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {-3, 0, 1, 5}, dt).requiresGrad(true);
        Tensor y = x.clamp(2, 1);
        assertArrayEquals(new double[] {1, 1, 1, 1}, values(y), 0.0, "clamp(2, 1) " + dt);
        y.sum().backward();
        assertArrayEquals(new double[] {0, 0, 0, 0}, values(x.grad()), 0.0, "clamp(2, 1) gradient " + dt);
      }
    }
  }

  @Test
  void geluAndRsqrtAtTheirSpecialPoints() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {0, -0.0, INF, NAN}, dt).requiresGrad(true);
        assertArrayEquals(new double[] {INF, -INF, 0, NAN}, values(x.rsqrt()), 0.0, "rsqrt " + dt);
        for (String a : new String[] {"none", "tanh"}) {
          Tensor y = x.gelu(a);
          assertArrayEquals(new double[] {0, 0, INF, NAN}, values(y), 0.0, "gelu " + a + " " + dt);
          x.clearGrad();
          // at 0 the derivative is Phi(0) = 1/2 in both forms
          y.backward(make(new double[] {1, 1, 0, 1}, dt));
          double[] g = values(x.grad());
          assertArrayEquals(new double[] {0.5, 0.5}, new double[] {g[0], g[1]}, 0.0, "gelu " + a + " derivative at 0 " + dt);
        }
      }
    }
  }
}
