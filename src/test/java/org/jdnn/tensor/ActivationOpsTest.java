package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import org.jdnn.nn.ELU;
import org.jdnn.nn.LeakyReLU;
import org.jdnn.nn.LogSoftmax;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sigmoid;
import org.jdnn.nn.Softmax;
import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.nn.Tanh;
import org.jdnn.testing.EveryDevice;
import org.jdnn.testing.opdb.Formulas;
import org.junit.jupiter.api.Test;

/**
 * Activations and (log-)softmax beyond the op database's rows (ActivationRows, SoftmaxRows: forward,
 * gradients, NaN, refusals): exact values at extreme inputs and kinks, row sums, the nn wrappers.
 */
@EveryDevice
class ActivationOpsTest {

  // ---- helpers ---------------------------------------------------------------------------------

  /** Values with |x| in [lo, hi) and random sign: keeps inputs away from the kink at 0. */
  static double[] awayFromZero(Random r, int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = (lo + (hi - lo) * r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
    return v;
  }

  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-14 : 1e-6;
  }

  static double[] map(double[] x, DoubleUnaryOperator f) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
    return y;
  }

  static void assertAllFinite(double[] v, String what) {
    for (int i = 0; i < v.length; i++) assertTrue(Double.isFinite(v[i]), what + ": element " + i + " is " + v[i]);
  }

  static double sigmoidRef(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  static double softplusRef(double x) {
    return x > 20 ? x : Math.log1p(Math.exp(x)); // PyTorch Softplus(beta=1, threshold=20)
  }

  // ---- element-wise activations -----------------------------------------------------------------

  @Test
  void reluGradientAtZeroIsZero() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {-1, 0, 2}).requiresGrad(true);
      Tensor y = x.relu();
      assertArrayEquals(new double[] {0, 0, 2}, y.toDoubleArray(), 0.0);
      y.sum().backward();
      assertArrayEquals(new double[] {0, 0, 1}, x.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void sigmoidExtremeInputsAreFiniteAndSaturate() {
    double[] x = {-1e4, -100, -30, 30, 100, 1e4};
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor t = make(x, dt).requiresGrad(true);
        Tensor y = t.sigmoid();
        double[] v = values(y);
        assertAllFinite(v, "sigmoid " + dt);
        assertEquals(0.0, v[0], 0.0, "sigmoid(-1e4) " + dt);
        assertEquals(1.0, v[5], 0.0, "sigmoid(1e4) " + dt);
        assertEquals(1.0, v[4], 0.0, "sigmoid(100) " + dt);
        assertTrue(v[1] >= 0 && v[1] < 1e-40, "sigmoid(-100) " + dt + " = " + v[1]);
        assertAllClose(map(x, ActivationOpsTest::sigmoidRef), v, rtol(dt), dt == DType.FLOAT64 ? 1e-300 : 1e-40,
            "sigmoid extreme " + dt);
        y.sum().backward();
        double[] g = values(t.grad());
        assertAllFinite(g, "sigmoid gradient " + dt);
        for (double gi : g) assertTrue(gi >= 0 && gi < 1e-12, "saturated sigmoid gradient " + gi);
      }
    }
  }

  @Test
  void tanhExtremeInputs() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor t = make(new double[] {-1e4, -100, 100, 1e4}, dt).requiresGrad(true);
        Tensor y = t.tanh();
        assertArrayEquals(new double[] {-1, -1, 1, 1}, values(y), 0.0, "tanh saturates " + dt);
        y.sum().backward();
        assertArrayEquals(new double[] {0, 0, 0, 0}, values(t.grad()), 0.0);
      }
    }
  }

  @Test
  void softplusIsLinearAboveThreshold20() {
    double[] x = {19.5, 20.0, 20.5, 25, 100, 1e4, -50, -1e4};
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor t = make(x, dt).requiresGrad(true);
        Tensor y = t.softplus();
        double[] v = values(y);
        assertAllFinite(v, "softplus " + dt);
        // exactly x above the threshold (PyTorch returns the input unchanged there)
        for (int i = 2; i <= 5; i++) assertEquals(x[i], v[i], 0.0, "softplus(" + x[i] + ") " + dt);
        assertAllClose(map(x, ActivationOpsTest::softplusRef), v, rtol(dt), dt == DType.FLOAT64 ? 1e-300 : 1e-30,
            "softplus " + dt);
        y.sum().backward();
        double[] g = values(t.grad());
        for (int i = 2; i <= 5; i++) assertEquals(1.0, g[i], 0.0, "softplus gradient above threshold");
        assertAllClose(map(x, xi -> xi > 20 ? 1 : sigmoidRef(xi)), g, rtol(dt), dt == DType.FLOAT64 ? 1e-300 : 1e-30,
            "softplus gradient = sigmoid below the threshold, 1 above " + dt);
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor x2 = Tensor.of(new double[] {21, 25, 40, -8, 0.3}); // gradients in both regions
      GradCheck.check(in -> in[0].softplus(), x2).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void stepWithoutGradientsDoesNotThrow() {
    try (TensorScope s = new TensorScope()) {
      Tensor w = Tensor.of(new double[] {0.5, -0.5}).requiresGrad(true);
      Tensor x = Tensor.of(new double[] {-1, 2});
      // step of a constant is a constant: the gradient flows to w through the product only
      x.heaviside().mul(w).sum().backward();
      assertArrayEquals(new double[] {0, 1}, w.grad().toDoubleArray(), 0.0);
    }
  }

  // ---- softmax and log-softmax ---------------------------------------------------------------------

  @Test
  void softmaxRowsSumToOne() {
    // the op database compares each element with the reference; here the rows' sums, tighter than those tolerances
    Random r = new Random(7);
    for (long[] shape : List.of(new long[] {4, 5}, new long[] {7}, new long[] {2, 3, 4}, new long[] {2, 129})) {
      int c = (int) shape[shape.length - 1];
      for (DType dt : FLOATS) {
        for (double temperature : new double[] {1.0, 0.5, 10.0}) {
          try (TensorScope s = new TensorScope()) {
            double[] v = values(make(awayFromZero(r, numel(shape), 0, 5), dt, shape).softmax(temperature));
            for (int r0 = 0; r0 < v.length; r0 += c) {
              double sum = 0;
              for (int j = 0; j < c; j++) sum += v[r0 + j];
              assertEquals(1.0, sum, dt == DType.FLOAT64 ? 1e-13 : 1e-5, "row sum, T " + temperature + " " + dt);
            }
          }
        }
      }
    }
  }

  @Test
  void defaultTemperatureIsOne() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0.3, -1.2, 2.5, 0.0, 1.1, -0.7}, 2, 3);
      assertArrayEquals(x.softmax(1.0).toDoubleArray(), x.softmax().toDoubleArray(), 0.0);
      assertArrayEquals(x.logSoftmax(1.0).toDoubleArray(), x.logSoftmax().toDoubleArray(), 0.0);
    }
  }

  @Test
  void logSoftmaxIsStableAndExactForHugeLogits() {
    double[] x = {1e4, 0, -1e4, 1e4, 1e4 - 1, 1e4 - 2, -1e4, -1e4 + 3, 5};
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor t = make(x, dt, 3, 3);
        double[] ls = values(t.logSoftmax());
        assertAllFinite(ls, "logSoftmax " + dt);
        assertAllClose(Formulas.softmax(x, 3, 1, true), ls, rtol(dt), atol(dt), "logSoftmax huge logits " + dt);
        assertEquals(0.0, ls[0], 0.0, "log p of the dominant class");
        assertEquals(-1e4, ls[1], dt == DType.FLOAT64 ? 0.0 : 1e-3);
        assertEquals(-2e4, ls[2], dt == DType.FLOAT64 ? 0.0 : 1e-3);
        double[] sm = values(t.softmax());
        assertAllFinite(sm, "softmax " + dt);
        assertAllClose(Formulas.softmax(x, 3, 1, false), sm, rtol(dt), atol(dt), "softmax huge logits " + dt);
        assertEquals(1.0, sm[0], 0.0);
        assertEquals(0.0, sm[2], 0.0);
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor t = Tensor.of(new double[] {1e4, 1e4 - 1, 1e4 - 2.5, -1e4, -1e4 + 0.5, -1e4 + 2}, 2, 3);
      GradCheck.check(in -> in[0].logSoftmax(), t).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void singleClassSoftmaxIsOneAndLogSoftmaxZero() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {-3, 0, 1e4}, 3, 1);
      assertArrayEquals(new double[] {1, 1, 1}, x.softmax().toDoubleArray(), 0.0);
      assertArrayEquals(new double[] {0, 0, 0}, x.logSoftmax().toDoubleArray(), 0.0);
    }
  }

  @Test
  void modulesRefuseAnInvalidTemperature() {
    // the ops' refusals are rows' error inputs (SoftmaxRows); the modules check at construction
    for (double t : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class, () -> new Softmax(t));
      assertThrows(IllegalArgumentException.class, () -> new LogSoftmax(t));
    }
  }

  // ---- nn modules ---------------------------------------------------------------------------------

  private static void assertModuleMatches(Layer m, Function<Tensor, Tensor> op, boolean differentiable) {
    Random r = new Random(9);
    double[] x = awayFromZero(r, 24, 0.05, 4);
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor a = make(x, dt, 4, 6).requiresGrad(differentiable);
        Tensor b = make(x, dt, 4, 6).requiresGrad(differentiable);
        Tensor ya = m.forward(a), yb = op.apply(b);
        assertArrayEquals(values(yb), values(ya), 0.0, m.describe() + " forward " + dt);
        assertTrue(m.parameters().isEmpty(), m.describe() + " has no parameters");
        if (differentiable) {
          Tensor w = make(representable(awayFromZero(r, 24, 0.5, 1.5), dt), dt, 4, 6);
          ya.mul(w).sum().backward();
          yb.mul(w).sum().backward();
          assertArrayEquals(values(b.grad()), values(a.grad()), 0.0, m.describe() + " gradient " + dt);
        }
      }
    }
  }

  @Test
  void nnModulesGiveIdenticalResults() {
    assertModuleMatches(new ReLU(), Tensor::relu, true);
    assertModuleMatches(new Sigmoid(), Tensor::sigmoid, true);
    assertModuleMatches(new Tanh(), Tensor::tanh, true);
    assertModuleMatches(new LeakyReLU(), x -> x.leakyRelu(0.01), true);
    assertModuleMatches(new LeakyReLU(0.3), x -> x.leakyRelu(0.3), true);
    assertModuleMatches(new ELU(), x -> x.elu(1.0), true);
    assertModuleMatches(new ELU(0.7), x -> x.elu(0.7), true);
    assertModuleMatches(new Softplus(), Tensor::softplus, true);
    assertModuleMatches(new Step(), Tensor::heaviside, false);
    assertModuleMatches(new Softmax(), x -> x.softmax(1.0), true);
    assertModuleMatches(new Softmax(2.5), x -> x.softmax(2.5), true);
    assertModuleMatches(new LogSoftmax(), x -> x.logSoftmax(1.0), true);
    assertModuleMatches(new LogSoftmax(0.4), x -> x.logSoftmax(0.4), true);
  }

  @Test
  void nnModulesDifferFromEachOther() {
    // Guards the identity test above against trivially equal outputs.
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {-2, -0.5, 0.5, 2}, 1, 4);
      double[] leaky = new LeakyReLU(0.3).forward(x).toDoubleArray();
      double[] relu = new ReLU().forward(x).toDoubleArray();
      assertFalse(Arrays.equals(leaky, relu));
      assertArrayEquals(new double[] {-0.6, -0.15, 0.5, 2}, leaky, 1e-15);
      assertArrayEquals(new double[] {-2 * 0.01, -0.5 * 0.01, 0.5, 2}, new LeakyReLU().forward(x).toDoubleArray(), 1e-15);
      assertArrayEquals(new double[] {Math.expm1(-2), Math.expm1(-0.5), 0.5, 2}, new ELU().forward(x).toDoubleArray(),
          1e-15);
    }
  }

  @Test
  void stepModuleBackwardThrows() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {-1, 2}).requiresGrad(true);
      Tensor y = new Step().forward(x).sum();
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, y::backward);
      assertTrue(e.getMessage().contains("derivative"), e.getMessage());
    }
  }
}
