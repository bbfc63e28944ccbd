package org.jdnn.optim;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.values;
import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.function.Function;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * SGD and Adam steps against torch.optim's published update equations, written out in plain Java
 * (double) below, for three steps with fixed gradients.
 */
@EveryDevice
class OptimizerStepsTest {
  static final double[] P0 = {0.5, -1.25, 2.0, 0.0, -0.3};
  /** The gradient at step t is GRADS[t]: loss_t = sum(p * GRADS[t]). Signs change so momentum matters. */
  static final double[][] GRADS = {
      {0.1, -0.2, 0.3, 1.5, -0.05},
      {-0.4, 0.25, 0.3, -1.0, 0.02},
      {0.2, 0.2, -0.6, 0.5, 0.0}};

  // ---- references (torch.optim update rules) --------------------------------------------------------

  /**
   * torch.optim.SGD, per element: g = grad + wd p; if momentum != 0: buf = g on the first step, else
   * buf = momentum buf + (1 - dampening) g; g = nesterov ? g + momentum buf : buf; p = p - lr g.
   * Returns the parameter after each step.
   */
  static double[][] sgdReference(double lr, double momentum, double dampening, double wd, boolean nesterov) {
    double[] p = P0.clone();
    double[] buf = new double[p.length];
    double[][] history = new double[GRADS.length][];
    for (int t = 0; t < GRADS.length; t++) {
      for (int i = 0; i < p.length; i++) {
        double g = GRADS[t][i] + wd * p[i];
        if (momentum != 0) {
          buf[i] = t == 0 ? g : momentum * buf[i] + (1 - dampening) * g;
          g = nesterov ? g + momentum * buf[i] : buf[i];
        }
        p[i] -= lr * g;
      }
      history[t] = p.clone();
    }
    return history;
  }

  /**
   * torch.optim.Adam (amsgrad off, L2 weight decay), per element at step t = 1, 2, ...:
   * g = grad + wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
   * p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
   */
  static double[][] adamReference(double lr, double b1, double b2, double eps, double wd) {
    double[] p = P0.clone();
    double[] m = new double[p.length], v = new double[p.length];
    double[][] history = new double[GRADS.length][];
    for (int t = 1; t <= GRADS.length; t++) {
      double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
      for (int i = 0; i < p.length; i++) {
        double g = GRADS[t - 1][i] + wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
        p[i] -= lr / bc1 * m[i] / denom;
      }
      history[t - 1] = p.clone();
    }
    return history;
  }

  // ---- harness -------------------------------------------------------------------------------------

  /** Runs three steps with gradients GRADS and compares the parameter after each with {@code expected}. */
  static void runAndCompare(String what, Function<List<Tensor>, Optimizer> factory, double[][] expected) {
    for (DType dt : FLOATS) {
      double tol = dt == DType.FLOAT64 ? 1e-14 : 2e-6;
      try (TensorScope s = new TensorScope()) {
        Tensor p = make(P0, dt).requiresGrad(true);
        try (Optimizer opt = factory.apply(List.of(p))) {
          for (int t = 0; t < GRADS.length; t++) {
            opt.zeroGrad();
            try (TensorScope step = new TensorScope()) {
              p.mul(make(GRADS[t], dt)).sum().backward();
            }
            double[] g = values(p.grad());
            double[] expectedGrad = values(make(GRADS[t], dt));
            assertArrayEquals(expectedGrad, g, 0.0, "gradient of sum(p * c) is c");
            opt.step();
            double[] actual = values(p);
            for (int i = 0; i < actual.length; i++) {
              if (!(Math.abs(actual[i] - expected[t][i]) <= tol * (1 + Math.abs(expected[t][i])))) {
                fail(what + " " + dt + ", step " + (t + 1) + ", element " + i + ": expected " + expected[t][i]
                    + " but was " + actual[i]);
              }
            }
          }
        }
      }
    }
  }

  // ---- SGD -------------------------------------------------------------------------------------------

  @Test
  void sgdPlain() {
    double[][] ref = sgdReference(0.1, 0, 0, 0, false);
    // sanity: plain SGD after one step is p - lr g
    assertEquals(0.5 - 0.1 * 0.1, ref[0][0], 1e-15);
    runAndCompare("SGD", ps -> new SGD(ps, 0.1), ref);
  }

  @Test
  void sgdMomentum() {
    runAndCompare("SGD momentum", ps -> new SGD(ps, 0.1).momentum(0.9), sgdReference(0.1, 0.9, 0, 0, false));
  }

  @Test
  void sgdMomentumWithDampening() {
    // dampening does not apply on the first step (the buffer starts as the gradient itself)
    runAndCompare("SGD dampening", ps -> new SGD(ps, 0.05).momentum(0.9).dampening(0.5),
        sgdReference(0.05, 0.9, 0.5, 0, false));
  }

  @Test
  void sgdNesterov() {
    runAndCompare("SGD Nesterov", ps -> new SGD(ps, 0.1).momentum(0.8).nesterov(true),
        sgdReference(0.1, 0.8, 0, 0, true));
  }

  @Test
  void sgdWeightDecay() {
    runAndCompare("SGD weight decay", ps -> new SGD(ps, 0.1).weightDecay(0.01), sgdReference(0.1, 0, 0, 0.01, false));
  }

  @Test
  void sgdAllOptionsTogether() {
    runAndCompare("SGD Nesterov + wd", ps -> new SGD(ps, 0.2).momentum(0.5).weightDecay(0.1).nesterov(true),
        sgdReference(0.2, 0.5, 0, 0.1, true));
    runAndCompare("SGD momentum + dampening + wd", ps -> new SGD(ps, 0.2).momentum(0.7).dampening(0.3).weightDecay(0.05),
        sgdReference(0.2, 0.7, 0.3, 0.05, false));
  }

  @Test
  void sgdReferencesDifferFromEachOther() {
    // Guards the comparisons above: each option changes the trajectory.
    double[] plain = sgdReference(0.1, 0, 0, 0, false)[2];
    double[] mom = sgdReference(0.1, 0.9, 0, 0, false)[2];
    double[] damp = sgdReference(0.1, 0.9, 0.5, 0, false)[2];
    double[] nest = sgdReference(0.1, 0.9, 0, 0, true)[2];
    double[] wd = sgdReference(0.1, 0, 0, 0.01, false)[2];
    for (double[] other : List.of(mom, damp, nest, wd)) {
      assertTrue(Math.abs(other[0] - plain[0]) > 1e-4 || Math.abs(other[2] - plain[2]) > 1e-4);
    }
    assertTrue(Math.abs(mom[1] - damp[1]) > 1e-3 && Math.abs(mom[1] - nest[1]) > 1e-3);
  }

  @Test
  void sgdSkipsParametersWithoutGradientsAndHonoursLearningRateChanges() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1, 2}).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {3, 4}).requiresGrad(true);
      try (SGD opt = new SGD(List.of(a, b), 0.5)) {
        assertEquals(0.5, opt.learningRate());
        a.mul(Tensor.of(new double[] {1, -1})).sum().backward();
        opt.step();
        assertArrayEquals(new double[] {0.5, 2.5}, a.toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {3, 4}, b.toDoubleArray(), 0.0, "no gradient, no update");
        opt.setLearningRate(0.25);
        opt.step(); // same accumulated gradient, new rate
        assertArrayEquals(new double[] {0.25, 2.75}, a.toDoubleArray(), 0.0);
        opt.zeroGrad();
        opt.step(); // zero gradient: no movement
        assertArrayEquals(new double[] {0.25, 2.75}, a.toDoubleArray(), 0.0);
      }
    }
  }

  // ---- Adam ------------------------------------------------------------------------------------------

  @Test
  void adamDefaults() {
    double[][] ref = adamReference(0.01, 0.9, 0.999, 1e-8, 0);
    // sanity: Adam's first step moves each element by about lr against the gradient's sign
    assertEquals(0.5 - 0.01, ref[0][0], 1e-8);
    runAndCompare("Adam", ps -> new Adam(ps, 0.01), ref);
  }

  @Test
  void adamCustomBetasAndEps() {
    runAndCompare("Adam betas", ps -> new Adam(ps, 0.05).betas(0.8, 0.99).eps(1e-3),
        adamReference(0.05, 0.8, 0.99, 1e-3, 0));
  }

  @Test
  void adamWeightDecay() {
    runAndCompare("Adam weight decay", ps -> new Adam(ps, 0.01).weightDecay(0.1), adamReference(0.01, 0.9, 0.999, 1e-8, 0.1));
    runAndCompare("Adam weight decay + betas", ps -> new Adam(ps, 0.03).betas(0.5, 0.9).weightDecay(0.5),
        adamReference(0.03, 0.5, 0.9, 1e-8, 0.5));
  }

  @Test
  void adamWeightDecayChangesTheTrajectory() {
    double[] plain = adamReference(0.01, 0.9, 0.999, 1e-8, 0)[2];
    double[] wd = adamReference(0.01, 0.9, 0.999, 1e-8, 0.1)[2];
    // element 4 has tiny gradients, so decay of p = -0.3 dominates its direction
    assertTrue(Math.abs(plain[4] - wd[4]) > 1e-3, plain[4] + " vs " + wd[4]);
  }

  @Test
  void adamCountsStepsPerParameter() {
    // A parameter first updated at the optimizer's second step starts its own bias correction at t = 1.
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1.0}).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {1.0}).requiresGrad(true);
      try (Adam opt = new Adam(List.of(a, b), 0.1)) {
        a.mul(2.0).sum().backward();
        opt.step();
        assertEquals(1, opt.steps(a));
        assertEquals(0, opt.steps(b));
        opt.zeroGrad();
        a.add(b).mul(2.0).sum().backward();
        opt.step();
        assertEquals(2, opt.steps(a));
        assertEquals(1, opt.steps(b));
        // b's first Adam step with g = 2: m = 0.2, v = 0.004, bias-corrected step = lr * 1 / (1 + eps/|g|)
        double mHat = 0.1 * 2 / (1 - 0.9), vHatSqrt = Math.sqrt(0.001 * 4) / Math.sqrt(1 - 0.999);
        assertEquals(1.0 - 0.1 * mHat / (vHatSqrt + 1e-8), b.item(), 1e-15);
      }
    }
  }

  // ---- invalid hyper-parameters ------------------------------------------------------------------


  @Test
  void invalidHyperParametersThrowNamingTheValue() {
    try (TensorScope s = new TensorScope()) {
      Tensor p = Tensor.of(new double[] {1, 2}).requiresGrad(true);
      List<Tensor> ps = List.of(p);
      assertRejected("-0.1", () -> new SGD(ps, -0.1));
      assertRejected("-0.001", () -> new Adam(ps, -0.001));
      assertRejected("NaN", () -> new SGD(ps, Double.NaN));
      assertRejected("Infinity", () -> new Adam(ps, Double.POSITIVE_INFINITY));
      assertRejected("-2.0", () -> new SGD(ps, 0.1).setLearningRate(-2.0));
      assertRejected("-0.5", () -> new SGD(ps, 0.1).momentum(-0.5));
      assertRejected("-0.25", () -> new SGD(ps, 0.1).dampening(-0.25));
      assertRejected("-0.01", () -> new SGD(ps, 0.1).weightDecay(-0.01));
      assertRejected("-0.01", () -> new Adam(ps, 0.1).weightDecay(-0.01));
      assertRejected("-1.0E-8", () -> new Adam(ps, 0.1).eps(-1e-8));
    }
  }

  @Test
  void nesterovNeedsMomentumAndNoDampening() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = List.of(Tensor.of(new double[] {1}).requiresGrad(true));
      assertRejected("momentum=0.0", () -> new SGD(ps, 0.1).nesterov(true));
      assertRejected("dampening=0.1", () -> new SGD(ps, 0.1).momentum(0.9).dampening(0.1).nesterov(true));
      assertRejected("dampening=0.2", () -> new SGD(ps, 0.1).momentum(0.9).nesterov(true).dampening(0.2));
      assertRejected("momentum=0.0", () -> new SGD(ps, 0.1).momentum(0.9).nesterov(true).momentum(0));
      new SGD(ps, 0.1).momentum(0.9).nesterov(true); // valid
    }
  }

  @Test
  void adamBetasMustBeInZeroOne() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = List.of(Tensor.of(new double[] {1}).requiresGrad(true));
      assertRejected("1.0", () -> new Adam(ps, 0.1).betas(1.0, 0.999));
      assertRejected("1.0", () -> new Adam(ps, 0.1).betas(0.9, 1.0));
      assertRejected("-0.1", () -> new Adam(ps, 0.1).betas(-0.1, 0.999));
      assertRejected("-0.5", () -> new Adam(ps, 0.1).betas(0.9, -0.5));
      assertRejected("1.5", () -> new Adam(ps, 0.1).betas(1.5, 0.999));
      assertRejected("NaN", () -> new Adam(ps, 0.1).betas(Double.NaN, 0.999));
      new Adam(ps, 0.1).betas(0.0, 0.0); // 0 is allowed, as in torch
    }
  }

  @Test
  void parametersMustExistAndRequireGradients() {
    try (TensorScope s = new TensorScope()) {
      assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
      Tensor frozen = Tensor.of(new double[] {1});
      assertRejected("does not require gradients", () -> new Adam(List.of(frozen), 0.1));
    }
  }
}
