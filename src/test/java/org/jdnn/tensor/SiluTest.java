package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SiLU, the op added through docs/adding-an-op.md's unary path: forward and gradient against a
 * float64 reference (torch.nn.functional.silu's x / (1 + e^-x) and its derivative), a float64
 * finite-difference check, extremes and NaN, on the CPU and the emulated CUDA backend.
 */
class SiluTest {
  private static double silu(double x) {
    return x / (1 + Math.exp(-x));
  }

  private static double siluGrad(double x) {
    double s = 1 / (1 + Math.exp(-x));
    return s * (1 + x * (1 - s));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "cuda-emu"})
  void forwardAndGradientMatchTheFloat64Reference(String deviceName) {
    Device dev = Device.byName(deviceName);
    Random r = new Random(11);
    for (DType dt : FLOATS) {
      double[] x = representable(uniform(r, 257, -12, 12), dt);
      double[] dy = representable(uniform(r, 257, -2, 2), dt);
      double[] expected = new double[x.length], grad = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        expected[i] = silu(x[i]);
        grad[i] = dy[i] * siluGrad(x[i]);
      }
      double tol = dt == DType.FLOAT64 ? 1e-13 : 1e-6;
      try (TensorScope s = new TensorScope()) {
        Tensor in = make(x, dt, x.length).to(dev).requiresGrad(true);
        Tensor y = in.silu();
        assertEquals(dev, y.device());
        assertAllClose(expected, values(y), tol, tol, deviceName + " " + dt + " silu");
        y.backward(make(dy, dt, dy.length).to(dev));
        assertAllClose(grad, values(in.grad()), tol, tol, deviceName + " " + dt + " silu gradient");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "cuda-emu"})
  void gradientPassesTheFiniteDifferenceCheck(String deviceName) {
    Device dev = Device.byName(deviceName);
    try (TensorScope s = new TensorScope()) {
      Tensor x = make(new double[] {-6, -1.5, -0.25, 0, 0.3, 2, 7}, DType.FLOAT64, 7).to(dev).requiresGrad(true);
      GradCheck.check(in -> in[0].silu(), x).assertWithin(1e-8, 1e-6);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "cuda-emu"})
  void extremesAndNaNFollowPyTorch(String deviceName) {
    Device dev = Device.byName(deviceName);
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] x = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1000, 1000, -0.0};
        Tensor in = make(x, dt, x.length).to(dev).requiresGrad(true);
        double[] y = values(in.silu());
        assertTrue(Double.isNaN(y[0]), "silu(NaN) is NaN");
        assertEquals(Double.POSITIVE_INFINITY, y[1], "silu(+inf)");
        assertTrue(Double.isNaN(y[2]), "silu(-inf) is NaN, as x / (1 + e^-x) gives in PyTorch");
        assertEquals(-0.0, y[3], 0.0, "silu(-1000) underflows to zero");
        assertEquals(1000, y[4], 0.0, "silu(1000) = 1000");
        assertEquals(0, y[5], 0.0, "silu(-0)");
        in.silu().sum().backward();
        double[] g = values(in.grad());
        assertTrue(Double.isNaN(g[0]), "the gradient at NaN is NaN");
        // PyTorch's silu_backward, dy s (1 + x (1 - s)), multiplies an infinite x by 0 at both infinities.
        assertTrue(Double.isNaN(g[1]) && Double.isNaN(g[2]), "the gradient at +-inf is NaN");
        assertEquals(0, g[3], 0.0, "gradient at -1000");
        assertEquals(1, g[4], 0.0, "gradient at 1000");
        assertEquals(0.5, g[5], 0.0, "gradient at 0");
      }
    }
  }
}
