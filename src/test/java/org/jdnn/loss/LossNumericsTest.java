package org.jdnn.loss;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertMentions;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Losses at the edges of their domain, against float64 references and PyTorch's documented behaviour: BCELoss
 * refuses what is not a probability, keeps its precision for tiny probabilities and clamps its gradient with
 * PyTorch's constant; NaN inputs give NaN losses; cross-entropy over an empty batch is NaN (a mean of nothing).
 */
@EveryDevice
class LossNumericsTest {

  @Test
  void bceRefusesInputsOutsideZeroOneAndNamesTheFix() {
    // Raw scores (logits) passed to BCELoss: PyTorch raises "all elements of input should be between 0 and 1".
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor t = make(new double[] {1, 0, 1, 0}, dt);
        // On a GPU the check is made by the kernel and raised at the next synchronization (here checkErrors).
        Device d = Device.defaultDevice();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
          new BCELoss().compute(make(new double[] {0.5, 0.25, 2.5, -1}, dt), t);
          d.checkErrors();
        });
        assertMentions(e, "BCELoss", "input", "2.5", "index 2", "[0, 1]", "BCEWithLogitsLoss");
        e = assertThrows(IllegalArgumentException.class, () -> {
          new BCELoss(Reduction.NONE).compute(make(new double[] {0.5, Double.NaN, 0.1, 0.2}, dt), t);
          d.checkErrors();
        });
        assertMentions(e, "BCELoss", "NaN", "index 1");
        // the target must be a probability too (PyTorch checks both)
        e = assertThrows(IllegalArgumentException.class, () -> {
          new BCELoss().compute(make(new double[] {0.5, 0.5, 0.5, 0.5}, dt), make(new double[] {1, 0, -1, 0}, dt));
          d.checkErrors();
        });
        assertMentions(e, "BCELoss", "target", "-1", "index 2", "[0, 1]");
        // the ends of [0, 1] are probabilities
        assertEquals(50.0, new BCELoss().compute(make(new double[] {0, 1, 1, 0}, dt), t).item(), 0.0, dt.toString());
      }
    }
  }

  @Test
  void bceUsesLog1pForTinyProbabilities() {
    // -log(1 - p) for p = 1e-7: log(1 - p) rounds 1 - p in float32 first (19% error); log1p(-p) does not.
    double[] p = {1e-7, 3e-9, 2e-5};
    double[] t = {0, 0, 0.25};
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor pt = make(p, dt);
        double[] pv = values(pt);
        double[] v = values(new BCELoss(Reduction.NONE).compute(pt, make(t, dt)));
        for (int i = 0; i < p.length; i++) {
          double ref = -(t[i] * Math.log(pv[i]) + (1 - t[i]) * Math.log1p(-pv[i]));
          assertEquals(ref, v[i], Math.abs(ref) * (dt == DType.FLOAT64 ? 1e-14 : 1e-6), "BCE(" + p[i] + ") " + dt);
        }
      }
    }
  }

  @Test
  void bceGradientClampIsPyTorchsFloatEpsilonInFloat64() {
    // PyTorch: grad (p - t) / max(p (1 - p), EPSILON) with EPSILON the float 1e-12, also for float64 tensors.
    double eps = (double) 1e-12f;
    try (TensorScope s = new TensorScope()) {
      Tensor p = Tensor.of(new double[] {0, 1, 1e-13}).requiresGrad(true);
      new BCELoss(Reduction.SUM).compute(p, Tensor.of(new double[] {1, 0, 1})).backward();
      double[] g = p.grad().toDoubleArray();
      assertEquals(-1 / eps, g[0], 0.0, "p = 0, t = 1");
      assertEquals(1 / eps, g[1], 0.0, "p = 1, t = 0");
      assertEquals((1e-13 - 1) / eps, g[2], 0.0, "p (1 - p) below the clamp");
    }
  }

  @Test
  void aNaNInputRowGivesANaNLoss() {
    // A NaN feature spreads through Linear and ReLU to its row's logits, so the mean loss is NaN (as in PyTorch),
    // not a finite number computed from the other rows.
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {0.5, -1, Double.NaN, 2, 1, -0.5}, dt, 3, 2);
        Tensor w = make(new double[] {1, -1, 0.5, 2, -1, 1}, dt, 2, 3);
        Tensor logits = x.matmul(w).relu();
        double ce = new CrossEntropyLoss().compute(logits, Tensor.ofLongs(new long[] {0, 1, 2})).item();
        assertTrue(Double.isNaN(ce), "cross-entropy with a NaN row " + dt + ": " + ce);
        Tensor h = x.relu();
        double mse = new MSELoss().compute(h, make(new double[6], dt, 3, 2)).item();
        assertTrue(Double.isNaN(mse), "MSE with a NaN row " + dt + ": " + mse);
        double bce = new BCEWithLogitsLoss().compute(h, make(new double[6], dt, 3, 2)).item();
        assertTrue(Double.isNaN(bce), "BCEWithLogits with a NaN row " + dt + ": " + bce);
      }
    }
  }

  @Test
  void crossEntropyOverAnEmptyBatchIsNaN() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor logits = make(new double[0], dt, 0, 3).requiresGrad(true);
        Tensor loss = new CrossEntropyLoss().compute(logits, Tensor.ofLongs(new long[0]));
        assertTrue(Double.isNaN(loss.item()), "class labels " + dt + ": " + loss.item());
        loss.backward();
        assertArrayEquals(new long[] {0, 3}, logits.grad().shape());
        Tensor soft = new CrossEntropyLoss().compute(make(new double[0], dt, 0, 3), make(new double[0], dt, 0, 3));
        assertTrue(Double.isNaN(soft.item()), "probability targets " + dt + ": " + soft.item());
      }
    }
  }
}
