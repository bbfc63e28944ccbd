package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Activations at the edges PyTorch defines: NaN in, NaN out (torch.heaviside gives 0 for NaN); ELU's relative
 * precision near 0- and in its negative tail; the Heaviside step at exactly 0.
 */
@EveryDevice
class ActivationNumericsTest {

  @Test
  void reluGradientPassesThroughNaNAsPyTorchDoes() {
    // PyTorch's threshold_backward zeroes the gradient where the result is <= 0; NaN is not, so it passes.
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {-1, Double.NaN, 2}, dt).requiresGrad(true);
        x.relu().sum().backward();
        assertArrayEquals(new double[] {0, 1, 1}, values(x.grad()), 0.0, "relu gradient " + dt);
      }
    }
  }

  @Test
  void fusedLinearReluKeepsNaN() {
    // Inference runs Linear + ReLU as one op (GEMM epilogue); a NaN input row must stay NaN there too.
    for (DType dt : FLOATS) {
      for (int rows : new int[] {1, 3, 40}) {
        try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
          int in = 5, out = 7;
          double[] xv = new double[rows * in];
          for (int i = 0; i < xv.length; i++) xv[i] = (i % 3) - 1;
          xv[in * (rows - 1) + 2] = Double.NaN;  // one NaN in the last row
          double[] wv = new double[out * in];
          for (int i = 0; i < wv.length; i++) wv[i] = ((i * 7) % 5) - 2;
          double[] y = values(Linalg.linearRelu(make(xv, dt, rows, in), make(wv, dt, out, in), null, "Linear"));
          for (int j = 0; j < out; j++) {
            assertTrue(Double.isNaN(y[(rows - 1) * out + j]), "fused relu of a NaN row " + dt + " rows=" + rows);
          }
          for (int i = 0; i < (rows - 1) * out; i++) assertTrue(Double.isFinite(y[i]), "finite rows stay finite");
        }
      }
    }
  }

  @Test
  void eluKeepsRelativePrecisionNearZeroAndInTheNegativeTail() {
    // alpha (e^x - 1) must come from expm1 (e^x - 1 cancels near 0), and the derivative alpha e^x from x itself
    // (y + alpha cancels where e^x is below the rounding of alpha).
    double[] x = {-1e-8, -3e-20, -1e-3, -50, -80};
    for (double alpha : new double[] {1.0, 0.3}) {
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] xv = representable(x, dt);
          Tensor t = make(xv, dt).requiresGrad(true);
          Tensor y = t.elu(alpha);
          double[] ref = new double[x.length], dref = new double[x.length];
          for (int i = 0; i < x.length; i++) {
            ref[i] = alpha * Math.expm1(xv[i]);
            dref[i] = alpha * Math.exp(xv[i]);
          }
          double rtol = dt == DType.FLOAT64 ? 1e-14 : 1e-6;
          // near 0- the value is tiny and must keep its relative precision, hence no absolute tolerance
          assertAllClose(ref, values(y), rtol, 0, "elu(" + alpha + ") " + dt);
          y.sum().backward();
          assertAllClose(dref, values(t.grad()), rtol, 0, "elu(" + alpha + ") derivative " + dt);
        }
      }
    }
  }

  @Test
  void eluDerivativeAtZeroIsAlphaAsInPyTorch() {
    // PyTorch takes the x <= 0 branch at 0: alpha e^0 = alpha.
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0.0}).requiresGrad(true);
      x.elu(0.7).sum().backward();
      assertEquals(0.7, x.grad().toDoubleArray()[0], 0.0);
    }
  }

  @Test
  void stepTakesTheValueAtZeroAsTorchHeaviside() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {-2, 0, -0.0, 3, Double.NaN}, dt);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 1, 0}, values(x.heaviside(0.5)), 0.0, "step(0.5) " + dt);
        assertArrayEquals(new double[] {0, 0, 0, 1, 0}, values(x.heaviside(0)), 0.0, "step(0) " + dt);
        assertArrayEquals(values(x.heaviside(-3)), values(new Step(-3).forward(x)), 0.0, "Step module " + dt);
        assertArrayEquals(values(x.heaviside()), values(new Step().forward(x)), 0.0, "Step() is step(1) " + dt);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> new Step(Double.NaN));
  }

  /** PyTorch's Softplus(beta, threshold) in float64: x where beta x > threshold, else log1p(e^(beta x)) / beta. */
  static double softplusRef(double x, double beta, double threshold) {
    double z = beta * x;
    return z > threshold ? x : Math.log1p(Math.exp(z)) / beta;
  }

  @Test
  void softplusTakesBetaAndThreshold() {
    // Inputs on both sides of each threshold (beta x from -20 to 30), away from the jump at beta x = threshold.
    double[] x = {-10, -2.5, -0.3, 0, 0.4, 1.1, 2.6, 4.9, 7.3, 15};
    for (double[] bt : new double[][] {{1, 20}, {2, 5}, {0.5, 1}, {3, 10}, {-1.5, 4}}) {
      double beta = bt[0], threshold = bt[1];
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] xv = representable(x, dt);
          Tensor t = make(xv, dt).requiresGrad(true);
          Tensor y = t.softplus(beta, threshold);
          double[] ref = new double[x.length], dref = new double[x.length];
          for (int i = 0; i < x.length; i++) {
            ref[i] = softplusRef(xv[i], beta, threshold);
            double z = beta * xv[i];
            dref[i] = z > threshold ? 1 : 1 / (1 + Math.exp(-z));
            if (z > threshold) assertEquals(xv[i], values(y)[i], 0.0, "linear region returns x itself");
          }
          String what = "softplus(beta=" + beta + ", threshold=" + threshold + ") " + dt;
          double rtol = dt == DType.FLOAT64 ? 1e-14 : 1e-5;  // float32: beta x rounds before the exp
          assertAllClose(ref, values(y), rtol, 0, what);
          y.sum().backward();
          assertAllClose(dref, values(t.grad()), rtol, 0, what + " derivative");
          assertArrayEquals(values(y), values(new Softplus(beta, threshold).forward(t)), 0.0, what + " module");
        }
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor t = Tensor.of(new double[] {-3, 0.2, 1.7, 6});
      assertArrayEquals(t.softplus(1, 20).toDoubleArray(), t.softplus().toDoubleArray(), 0.0, "softplus() = (1, 20)");
      assertArrayEquals(t.softplus().toDoubleArray(), new Softplus().forward(t).toDoubleArray(), 0.0);
      GradCheck.check(in -> in[0].softplus(2, 5), Tensor.of(new double[] {-3, 0.2, 1.7, 2.7})).assertWithin(1e-7, 1e-6);
      // a threshold past e^z's overflow (z > 88 in float32) stays finite
      assertArrayEquals(new double[] {100, 200}, values(Tensor.of(new float[] {100, 200}).softplus(1, 1000)), 0.0);
    }
    for (double[] bad : new double[][] {{0, 20}, {Double.NaN, 20}, {1, Double.NaN}, {Double.POSITIVE_INFINITY, 1}}) {
      try (TensorScope s = new TensorScope()) {
        Tensor t = Tensor.of(new double[] {1});
        assertThrows(IllegalArgumentException.class, () -> t.softplus(bad[0], bad[1]), "softplus" + bad[0] + "," + bad[1]);
        assertThrows(IllegalArgumentException.class, () -> new Softplus(bad[0], bad[1]));
      }
    }
  }
}
