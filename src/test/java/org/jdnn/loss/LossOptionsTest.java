package org.jdnn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * The losses' PyTorch options beyond the op database's rows (LossOptionRows: every option against a
 * float64 reference, gradients, device parity, refusals): values written down from PyTorch's
 * documented formulas for one small case each, the exact zeros of ignored rows, equivalences
 * between the losses, the option-free cross-entropy kept as it was, and the argument checks.
 */
@EveryDevice
class LossOptionsTest {

  static Tensor logits3x3() {
    return Tensor.of(new double[] {1, 2, 3, 0.5, -1, 2, 3, 0, -2}, 3, 3);
  }

  // Written down from torch.nn.CrossEntropyLoss's formula for logits3x3, labels (2, -100, 0),
  // weight (1, 2, 3) and label_smoothing 0.1 (float64, by hand from the definition).
  static final double[] CE_ROWS = {1.315390630222037, 0.0, 0.7604837589148621};
  static final double CE_SUM = 2.0758743891368994, CE_MEAN = 0.5189685972842248;  // mean: sum / (w[2] + w[0])

  @Test
  void crossEntropyWithEveryOptionMatchesValuesWrittenDown() {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = logits3x3(), w = Tensor.of(new double[] {1, 2, 3}, 3), y = Tensor.ofLongs(new long[] {2, -100, 0}, 3);
      for (Reduction red : Reduction.values()) {
        Tensor out = CrossEntropyLoss.builder().labelSmoothing(0.1).weight(w).reduction(red).build().compute(x, y);
        double[] got = out.toDoubleArray();
        double[] want = red == Reduction.NONE ? CE_ROWS : new double[] {red == Reduction.SUM ? CE_SUM : CE_MEAN};
        assertArrayEquals(want, got, 1e-14, red.toString());
      }
    }
  }

  @Test
  void ignoredRowsGetExactlyZeroLossAndGradient() {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = logits3x3().requiresGrad(true);
      Tensor y = Tensor.ofInts(new int[] {1, 4, 4}, 3);  // ignore index 4 lies outside [0, C): never a class
      Tensor loss = CrossEntropyLoss.builder().ignoreIndex(4).labelSmoothing(0.2).build().compute(x, y);
      loss.backward();
      double[] g = x.grad().toDoubleArray();
      for (int j = 3; j < 9; j++) assertEquals(0.0, g[j], 0.0, "gradient of an ignored row's logit " + j);
      // one counted row: the mean is that row's loss
      double[] lp = {1 - lse(1, 2, 3), 2 - lse(1, 2, 3), 3 - lse(1, 2, 3)};
      double want = 0.8 * -lp[1] + 0.2 / 3 * -(lp[0] + lp[1] + lp[2]);
      assertEquals(want, loss.item(), 1e-14);
      // the softmax gradient minus the smoothed target, for the one row
      for (int j = 0; j < 3; j++) {
        double target = (j == 1 ? 0.8 : 0) + 0.2 / 3;
        assertEquals(Math.exp(lp[j]) - target, g[j], 1e-14, "gradient of logit " + j);
      }
    }
  }

  static double lse(double... v) {
    double m = Double.NEGATIVE_INFINITY, s = 0;
    for (double a : v) m = Math.max(m, a);
    for (double a : v) s += Math.exp(a - m);
    return m + Math.log(s);
  }

  @Test
  void theOptionFreeCrossEntropyKeepsItsFusedKernelAndTheBuilderAgreesWithIt() {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = logits3x3(), y = Tensor.ofLongs(new long[] {2, 1, 0}, 3);
      Tensor fused = new CrossEntropyLoss().compute(x, y);
      // the plain constructor is the fused op, bit for bit
      assertEquals(org.jdnn.tensor.LossOps.crossEntropy(x, y, "CrossEntropyLoss").item(), fused.item(), 0.0);
      assertEquals(fused.item(), CrossEntropyLoss.builder().build().compute(x, y).item(), 1e-15);
      // LogSoftmax then NLLLoss is cross-entropy, with weights and an ignore index too
      Tensor w = Tensor.of(new double[] {0.5, 2, 1.5}, 3), z = Tensor.ofLongs(new long[] {2, 0, 0}, 3);
      for (Reduction red : Reduction.values()) {
        double[] ce = CrossEntropyLoss.builder().weight(w).ignoreIndex(0).reduction(red).build().compute(x, z)
            .toDoubleArray();
        double[] nll = new NLLLoss(red, w, 0).compute(x.logSoftmax(), z).toDoubleArray();
        assertArrayEquals(ce, nll, 1e-15, red.toString());
      }
      // the plain constructor has no ignore index: -100 is a bad label there (checked on the CPU,
      // where the fused kernel raises at once; on a GPU at the next synchronization)
      if (!x.device().isCuda()) {
        Tensor bad = Tensor.ofLongs(new long[] {2, -100, 0}, 3);
        assertThrows(IndexOutOfBoundsException.class, () -> new CrossEntropyLoss().compute(x, bad));
        assertTrue(Double.isFinite(CrossEntropyLoss.builder().build().compute(x, bad).item()));
      }
    }
  }

  @Test
  void probabilityTargetsTakeSmoothingAndWeightsButNoIgnoreIndex() {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = logits3x3(), w = Tensor.of(new double[] {1, 2, 3}, 3);
      Tensor oneHot = Tensor.of(new double[] {0, 0, 1, 1, 0, 0, 1, 0, 0}, 3, 3);
      Tensor labels = Tensor.ofLongs(new long[] {2, 0, 0}, 3);
      // one-hot rows give the index form's per-row losses (with smoothing and weights)
      double[] soft = CrossEntropyLoss.builder().labelSmoothing(0.1).weight(w).reduction(Reduction.NONE).build()
          .compute(x, oneHot).toDoubleArray();
      double[] hard = CrossEntropyLoss.builder().labelSmoothing(0.1).weight(w).reduction(Reduction.NONE).build()
          .compute(x, labels).toDoubleArray();
      assertArrayEquals(hard, soft, 1e-14);
      // but the mean divides by N, not by the weights at the labels (PyTorch's documented difference)
      double mean = CrossEntropyLoss.builder().labelSmoothing(0.1).weight(w).build().compute(x, oneHot).item();
      assertEquals((soft[0] + soft[1] + soft[2]) / 3, mean, 1e-14);
    }
  }

  @Test
  void huberSmoothL1AndPosWeightMatchValuesWrittenDown() {
    try (TensorScope scope = new TensorScope()) {
      Tensor zero = Tensor.of(new double[3], 3);
      // HuberLoss(delta 1.5): 0.5 d^2 below delta, delta (|d| - delta / 2) above, continuous at delta
      assertArrayEquals(new double[] {0.125, 4.875, 1.125}, new HuberLoss(Reduction.NONE, 1.5)
          .compute(Tensor.of(new double[] {0.5, -4, 1.5}, 3), zero).toDoubleArray(), 1e-15);
      // SmoothL1Loss(beta 0.5): 0.5 d^2 / beta below beta, |d| - beta / 2 above
      assertArrayEquals(new double[] {0.04, 3.75, 1.25}, new SmoothL1Loss(Reduction.NONE, 0.5)
          .compute(Tensor.of(new double[] {0.2, -4, 1.5}, 3), zero).toDoubleArray(), 1e-15);
      assertArrayEquals(new double[] {0.2, 4, 1.5}, new SmoothL1Loss(Reduction.NONE, 0)
          .compute(Tensor.of(new double[] {0.2, -4, 1.5}, 3), zero).toDoubleArray(), 0.0);
      // BCEWithLogitsLoss, pos_weight (3, 0.5) over the last dimension:
      // -[p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]
      Tensor x = Tensor.of(new double[] {2, -1, 0.5, -3}, 2, 2), t = Tensor.of(new double[] {1, 0, 0.25, 1}, 2, 2);
      double[] want = {0.3807840331289175, 0.3132616875182228, 1.0861154762701601, 1.524293675786871};
      assertArrayEquals(want, new BCEWithLogitsLoss(Reduction.NONE, Tensor.of(new double[] {3, 0.5}, 2)).compute(x, t)
          .toDoubleArray(), 1e-15);
      // pos_weight of ones is the unweighted loss
      assertArrayEquals(new BCEWithLogitsLoss(Reduction.NONE).compute(x, t).toDoubleArray(),
          new BCEWithLogitsLoss(Reduction.NONE, Tensor.of(new double[] {1, 1}, 2)).compute(x, t).toDoubleArray(), 1e-15);
    }
  }

  @Test
  void badOptionsAreRefusedNamingTheLossTheValueAndTheFix() {
    for (double s : new double[] {-0.1, 1.5, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CrossEntropyLoss.builder().labelSmoothing(s));
      assertMessage(e, "CrossEntropyLoss", "label_smoothing", "[0, 1]", String.valueOf(s));
    }
    for (double d : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertMessage(assertThrows(IllegalArgumentException.class, () -> new HuberLoss(Reduction.MEAN, d)), "HuberLoss",
          "delta", "positive", String.valueOf(d));
    }
    for (double b : new double[] {-0.5, Double.NaN}) {
      assertMessage(assertThrows(IllegalArgumentException.class, () -> new SmoothL1Loss(Reduction.MEAN, b)),
          "SmoothL1Loss", "beta", ">= 0", String.valueOf(b));
    }
    try (TensorScope scope = new TensorScope()) {
      Tensor matrix = Tensor.of(new double[4], 2, 2), ints = Tensor.ofInts(new int[] {1, 2}, 2);
      assertMessage(assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.builder().weight(matrix)),
          "CrossEntropyLoss", "1-D float", "[2, 2]");
      assertMessage(assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.builder().weight(ints)),
          "CrossEntropyLoss", "1-D float", "int32");
      assertMessage(assertThrows(IllegalArgumentException.class, () -> new NLLLoss(Reduction.SUM, matrix, -100)),
          "NLLLoss", "1-D float", "[2, 2]");
      assertMessage(assertThrows(IllegalArgumentException.class, () -> new BCEWithLogitsLoss(Reduction.MEAN, null)),
          "BCEWithLogitsLoss", "pos_weight", "null", "new BCEWithLogitsLoss(reduction)");
      assertMessage(assertThrows(IllegalArgumentException.class,
          () -> new BCEWithLogitsLoss(Reduction.MEAN, Tensor.of(new double[] {1}, 1)).compute(Tensor.scalar(1.0, DType.FLOAT64),
              Tensor.scalar(1.0, DType.FLOAT64))), "BCEWithLogitsLoss", "pos_weight", "scalar logits");
      // a bad label names the loss and the ignore index where the check runs at the call (the CPU;
      // on a GPU it is raised at the next synchronization by the gather that found it, see LossOptionRows)
      if (!matrix.device().isCuda()) {
        Tensor logits = Tensor.of(new double[6], 2, 3);
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> CrossEntropyLoss.builder().ignoreIndex(-1)
            .build().compute(logits, Tensor.ofLongs(new long[] {3, -1}, 2))), "CrossEntropyLoss", "[0, 3)",
            "ignore index -1", "index 3");
      }
    }
  }

  static void assertMessage(RuntimeException e, String... fragments) {
    for (String f : fragments) assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
  }
}
