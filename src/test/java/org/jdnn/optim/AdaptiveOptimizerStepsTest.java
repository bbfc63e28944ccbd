package org.jdnn.optim;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.jdnn.optim.OptimizerStepsTest.GRADS;
import static org.jdnn.optim.OptimizerStepsTest.P0;
import static org.jdnn.optim.OptimizerStepsTest.runAndCompare;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * AdaGrad, RMSProp, Adam with AMSGrad and AdamW against torch.optim's published update equations,
 * written out below in plain double arithmetic, for three steps with the gradients of
 * {@link OptimizerStepsTest}.
 */
@EveryDevice
class AdaptiveOptimizerStepsTest {

  /**
   * torch.optim.Adagrad at step t = 1, 2, ...: g = grad + wd p; clr = lr / (1 + (t - 1) lr_decay);
   * sum += g^2 (sum starts at init); p -= clr g / (sqrt(sum) + eps).
   */
  static double[][] adagradReference(double lr, double lrDecay, double wd, double init, double eps) {
    double[] p = P0.clone();
    double[] sum = new double[p.length];
    Arrays.fill(sum, init);
    double[][] history = new double[GRADS.length][];
    for (int t = 1; t <= GRADS.length; t++) {
      double clr = lr / (1 + (t - 1) * lrDecay);
      for (int i = 0; i < p.length; i++) {
        double g = GRADS[t - 1][i] + wd * p[i];
        sum[i] += g * g;
        p[i] -= clr * g / (Math.sqrt(sum[i]) + eps);
      }
      history[t - 1] = p.clone();
    }
    return history;
  }

  /**
   * torch.optim.RMSprop: g = grad + wd p; sq = alpha sq + (1 - alpha) g^2; if centered: ga = alpha
   * ga + (1 - alpha) g, avg = sqrt(sq - ga^2) + eps, else avg = sqrt(sq) + eps; if momentum > 0:
   * buf = momentum buf + g / avg, p -= lr buf; else p -= lr g / avg.
   */
  static double[][] rmspropReference(double lr, double alpha, double eps, double wd, double momentum, boolean centered) {
    double[] p = P0.clone();
    double[] sq = new double[p.length], ga = new double[p.length], buf = new double[p.length];
    double[][] history = new double[GRADS.length][];
    for (int t = 0; t < GRADS.length; t++) {
      for (int i = 0; i < p.length; i++) {
        double g = GRADS[t][i] + wd * p[i];
        sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
        double avg;
        if (centered) {
          ga[i] = alpha * ga[i] + (1 - alpha) * g;
          avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + eps;
        } else {
          avg = Math.sqrt(sq[i]) + eps;
        }
        if (momentum > 0) {
          buf[i] = momentum * buf[i] + g / avg;
          p[i] -= lr * buf[i];
        } else {
          p[i] -= lr * g / avg;
        }
      }
      history[t] = p.clone();
    }
    return history;
  }

  /**
   * torch.optim.Adam / AdamW at step t: Adam adds g = grad + wd p, AdamW first sets p *= 1 - lr wd
   * and uses the raw gradient; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; with amsgrad, vmax =
   * max(vmax, v) replaces v below; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
   */
  static double[][] adamReference(double lr, double b1, double b2, double eps, double wd, boolean amsgrad,
      boolean decoupled) {
    double[] p = P0.clone();
    double[] m = new double[p.length], v = new double[p.length], vmax = new double[p.length];
    double[][] history = new double[GRADS.length][];
    for (int t = 1; t <= GRADS.length; t++) {
      double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
      for (int i = 0; i < p.length; i++) {
        double g = GRADS[t - 1][i];
        if (decoupled) p[i] *= 1 - lr * wd;
        else g += wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        vmax[i] = Math.max(vmax[i], v[i]);
        double second = amsgrad ? vmax[i] : v[i];
        p[i] -= lr / bc1 * m[i] / (Math.sqrt(second) / Math.sqrt(bc2) + eps);
      }
      history[t - 1] = p.clone();
    }
    return history;
  }

  private static void assertDiffer(double[][] a, double[][] b, String why) {
    double most = 0;
    for (int i = 0; i < a[2].length; i++) most = Math.max(most, Math.abs(a[2][i] - b[2][i]));
    assertTrue(most > 1e-4, why + ": references differ by only " + most);
  }

  // ---- AdaGrad --------------------------------------------------------------------------------

  @Test
  void adagradDefaults() {
    double[][] ref = adagradReference(0.1, 0, 0, 0, 1e-10);
    // sanity: the first step from a zero accumulator moves each element by lr against the gradient's sign
    assertEquals(0.5 - 0.1, ref[0][0], 1e-9);
    runAndCompare("AdaGrad", ps -> new AdaGrad(ps, 0.1), ref);
  }

  @Test
  void adagradLrDecayWeightDecayAndInitialAccumulator() {
    double[][] ref = adagradReference(0.2, 0.5, 0.1, 0.3, 1e-6);
    assertDiffer(ref, adagradReference(0.2, 0, 0.1, 0.3, 1e-6), "lr_decay");
    assertDiffer(ref, adagradReference(0.2, 0.5, 0, 0.3, 1e-6), "weight decay");
    assertDiffer(ref, adagradReference(0.2, 0.5, 0.1, 0, 1e-6), "initial accumulator");
    runAndCompare("AdaGrad lr_decay + wd + init",
        ps -> new AdaGrad(ps, 0.2).lrDecay(0.5).weightDecay(0.1).initialAccumulatorValue(0.3).eps(1e-6), ref);
  }

  // ---- RMSProp --------------------------------------------------------------------------------

  @Test
  void rmspropDefaults() {
    runAndCompare("RMSProp", ps -> new RMSProp(ps, 0.01), rmspropReference(0.01, 0.99, 1e-8, 0, 0, false));
  }

  @Test
  void rmspropCenteredWithMomentumAndWeightDecay() {
    double[][] ref = rmspropReference(0.01, 0.9, 1e-6, 0.05, 0.8, true);
    assertDiffer(ref, rmspropReference(0.01, 0.9, 1e-6, 0.05, 0.8, false), "centered");
    assertDiffer(ref, rmspropReference(0.01, 0.9, 1e-6, 0.05, 0, true), "momentum");
    runAndCompare("RMSProp centered + momentum + wd",
        ps -> new RMSProp(ps, 0.01).alpha(0.9).eps(1e-6).weightDecay(0.05).momentum(0.8).centered(true), ref);
  }

  @Test
  void rmspropMomentumWithoutCentering() {
    runAndCompare("RMSProp momentum", ps -> new RMSProp(ps, 0.02).momentum(0.5),
        rmspropReference(0.02, 0.99, 1e-8, 0, 0.5, false));
    runAndCompare("RMSProp centered", ps -> new RMSProp(ps, 0.02).centered(true),
        rmspropReference(0.02, 0.99, 1e-8, 0, 0, true));
  }

  // ---- Adam with AMSGrad, AdamW -----------------------------------------------------------------

  @Test
  void adamAmsgrad() {
    // beta2 0.9 makes v of element 3 (gradients 1.5, -1, 0.5) fall at step 3, where the maximum matters
    double[][] ref = adamReference(0.01, 0.9, 0.9, 1e-8, 0, true, false);
    assertDiffer(ref, adamReference(0.01, 0.9, 0.9, 1e-8, 0, false, false), "AMSGrad");
    runAndCompare("Adam AMSGrad", ps -> new Adam(ps, 0.01).betas(0.9, 0.9).amsgrad(true), ref);
    runAndCompare("Adam AMSGrad + wd", ps -> new Adam(ps, 0.01).betas(0.9, 0.9).amsgrad(true).weightDecay(0.2),
        adamReference(0.01, 0.9, 0.9, 1e-8, 0.2, true, false));
  }

  @Test
  void adamwDefaultsDecayBeforeTheStep() {
    double[][] ref = adamReference(0.01, 0.9, 0.999, 1e-8, 0.01, false, true);
    // AdamW's decoupled decay is not Adam's L2 decay
    assertDiffer(adamReference(0.05, 0.9, 0.999, 1e-8, 0.5, false, true),
        adamReference(0.05, 0.9, 0.999, 1e-8, 0.5, false, false), "decoupled decay");
    runAndCompare("AdamW", ps -> new AdamW(ps, 0.01), ref);
    runAndCompare("AdamW wd 0.5", ps -> new AdamW(ps, 0.05).weightDecay(0.5),
        adamReference(0.05, 0.9, 0.999, 1e-8, 0.5, false, true));
  }

  @Test
  void adamwAmsgradAndBetas() {
    runAndCompare("AdamW AMSGrad", ps -> new AdamW(ps, 0.02).betas(0.8, 0.9).eps(1e-4).amsgrad(true).weightDecay(0.1),
        adamReference(0.02, 0.8, 0.9, 1e-4, 0.1, true, true));
  }

  @Test
  void defaultsMatchTorch() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = List.of(Tensor.of(new double[] {1}).requiresGrad(true));
      assertEquals(0.01, new AdamW(ps, 1e-3).groupWeightDecay(0));
      assertEquals(0.0, new Adam(ps, 1e-3).groupWeightDecay(0));
      var scalars = new RMSProp(ps, 1e-2).stateScalars();
      assertEquals(0.99, scalars.get("group.0.alpha"));
      assertEquals(1e-8, scalars.get("group.0.eps"));
      assertEquals(false, scalars.get("group.0.centered"));
      assertEquals(1e-10, new AdaGrad(ps, 1e-2).stateScalars().get("group.0.eps"));
    }
  }


  @Test
  void badHyperParametersThrowNamingClassAndValue() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = List.of(Tensor.of(new double[] {1}).requiresGrad(true));
      assertRejected("AdaGrad: eps must be a finite number >= 0, got -1.0", () -> new AdaGrad(ps, 0.1).eps(-1));
      assertRejected("AdaGrad: lr_decay must be a finite number >= 0, got -0.5", () -> new AdaGrad(ps, 0.1).lrDecay(-0.5));
      assertRejected("got NaN", () -> new AdaGrad(ps, 0.1).initialAccumulatorValue(Double.NaN));
      assertRejected("RMSProp: alpha must be in [0, 1], got 1.5", () -> new RMSProp(ps, 0.1).alpha(1.5));
      assertRejected("RMSProp: momentum must be a finite number >= 0, got -0.9", () -> new RMSProp(ps, 0.1).momentum(-0.9));
      assertRejected("RMSProp: lr must be a finite number >= 0, got -0.1", () -> new RMSProp(ps, -0.1));
      assertRejected("AdamW: betas must be in [0, 1), got (0.9, 1.0)", () -> new AdamW(ps, 0.1).betas(0.9, 1.0));
      assertRejected("AdamW: weight_decay must be a finite number >= 0, got -0.01", () -> new AdamW(ps, 0.1).weightDecay(-0.01));
      assertRejected("AdamW: no parameters", () -> new AdamW(List.of(), 0.1));
    }
  }
}
