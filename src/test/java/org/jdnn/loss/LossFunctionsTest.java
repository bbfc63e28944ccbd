package org.jdnn.loss;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.jdnn.testing.opdb.Formulas;
import org.junit.jupiter.api.Test;

/**
 * Losses beyond the op database's rows (LossRows: MSE, BCE, BCE with logits and cross-entropy
 * against float64 references for every reduction, gradients, refusals): exact gradients, saturated
 * and huge inputs, one-hot targets against labels, BCE with logits against BCE on sigmoid.
 */
@EveryDevice
class LossFunctionsTest {

  // ---- helpers ---------------------------------------------------------------------------------

  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-13 : 1e-6;
  }

  static double crossEntropyRef(double[] x, long[] labels, int c) {
    double total = 0;
    for (int i = 0; i < labels.length; i++) total += Formulas.logSumExp(x, i * c, c) - x[i * c + (int) labels[i]];
    return total / labels.length;
  }

  static long[] randomLabels(Random r, int n, int c) {
    long[] l = new long[n];
    for (int i = 0; i < n; i++) l[i] = r.nextInt(c);
    return l;
  }

  static double[] oneHot(long[] labels, int c) {
    double[] t = new double[labels.length * c];
    for (int i = 0; i < labels.length; i++) t[i * c + (int) labels[i]] = 1;
    return t;
  }

  // ---- MSELoss -----------------------------------------------------------------------------------

  @Test
  void mseDefaultIsMeanAndGradientIsExact() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4}).requiresGrad(true);
      Tensor t = Tensor.of(new double[] {0, 2, 5, 4});
      Tensor l = new MSELoss().compute(x, t);
      assertEquals((1 + 0 + 4 + 0) / 4.0, l.item(), 0.0);
      l.backward();
      assertArrayEquals(new double[] {0.5, 0, -1, 0}, x.grad().toDoubleArray(), 1e-15); // 2 (x - t) / n
      x.clearGrad();
      new MSELoss(Reduction.SUM).compute(x, t).backward();
      assertArrayEquals(new double[] {2, 0, -4, 0}, x.grad().toDoubleArray(), 1e-15);
    }
  }

  // ---- BCELoss ------------------------------------------------------------------------------------

  @Test
  void bceSaturatedProbabilitiesAreFiniteThanksToTheMinus100Clamp() {
    double[] p = {0, 0, 1, 1, 1e-50, 0.5};
    double[] t = {0, 1, 0, 1, 1, 1};
    // log(0) = -inf and log(1e-50) = -115.1 are both clamped to -100
    double[] expected = {0, 100, 100, 0, 100, Math.log(2)};
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] pv = representable(p, dt);
        Tensor pt = make(pv, dt).requiresGrad(true);
        Tensor l = new BCELoss(Reduction.NONE).compute(pt, make(t, dt));
        double[] v = values(l);
        assertAllClose(Formulas.bce(pv, t), v, rtol(dt), atol(dt), "BCE saturated " + dt);
        if (dt == DType.FLOAT64) assertAllClose(expected, v, 1e-12, 0, "BCE saturated known values");
        for (double vi : v) assertTrue(Double.isFinite(vi), "finite BCE " + Arrays.toString(v));
        l.sum().backward();
        double[] g = values(pt.grad());
        for (double gi : g) assertTrue(Double.isFinite(gi), "finite BCE gradient " + Arrays.toString(g));
        // PyTorch: (p - t) / max(p (1 - p), EPSILON), EPSILON the float 1e-12
        double eps = (double) 1e-12f;
        assertEquals(0.0, g[0], 1e-3, "p=0, t=0");
        assertEquals(-1 / eps, g[1], rtol(dt) / eps, "p=0, t=1");
        assertEquals(1 / eps, g[2], rtol(dt) / eps, "p=1, t=0");
        assertEquals(0.0, g[3], 1e-3, "p=1, t=1");
        assertEquals((0.5 - 1) / 0.25, g[5], 1e-6, "p=0.5, t=1");
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor l = new BCELoss().compute(Tensor.of(new double[] {0, 1}), Tensor.of(new double[] {1, 0}));
      assertEquals(100.0, l.item(), 0.0, "mean of two clamped losses");
    }
  }

  // ---- BCEWithLogitsLoss ----------------------------------------------------------------------------

  @Test
  void bceWithLogitsIsExactForHugeLogits() {
    double[] x = {1e4, 1e4, -1e4, -1e4, 1e4, -1e4, 100, -100};
    double[] t = {1, 0, 1, 0, 0.25, 0.75, 0, 1};
    double[] expected = {0, 1e4, 1e4, 0, 7500, 7500, 100, 100};
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor xt = make(x, dt).requiresGrad(true);
        Tensor l = new BCEWithLogitsLoss(Reduction.NONE).compute(xt, make(t, dt));
        double[] v = values(l);
        assertAllClose(Formulas.bceWithLogits(x, t), v, rtol(dt), atol(dt), "BCEWithLogits huge " + dt);
        assertAllClose(expected, v, rtol(dt), dt == DType.FLOAT64 ? 1e-40 : 1e-30, "BCEWithLogits huge known " + dt);
        l.sum().backward();
        double[] g = values(xt.grad());
        // d/dx = sigmoid(x) - t
        double[] gref = {0, 1, -1, 0, 0.75, -0.75, 1, -1};
        assertAllClose(gref, g, rtol(dt), 1e-30, "BCEWithLogits gradient huge " + dt);
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor l = new BCEWithLogitsLoss().compute(Tensor.of(new double[] {1e4, -1e4}), Tensor.of(new double[] {0, 0}));
      assertEquals(5000.0, l.item(), 0.0);
    }
  }

  @Test
  void bceWithLogitsAgreesWithBceOnSigmoid() {
    Random r = new Random(30);
    try (TensorScope s = new TensorScope()) {
      double[] xv = uniform(r, 12, -5, 5), tv = uniform(r, 12, 0, 1);
      Tensor x = Tensor.of(xv, 3, 4), t = Tensor.of(tv, 3, 4);
      double a = new BCEWithLogitsLoss().compute(x, t).item();
      double b = new BCELoss().compute(x.sigmoid(), t).item();
      assertEquals(b, a, 1e-12 * Math.abs(b));
    }
  }

  // ---- CrossEntropyLoss --------------------------------------------------------------------------

  @Test
  void crossEntropyGradientIsSoftmaxMinusOneHotOverN() {
    try (TensorScope s = new TensorScope()) {
      double[] x = {1, 2, 3, 0, 0, 0};
      Tensor logits = Tensor.of(x, 2, 3).requiresGrad(true);
      new CrossEntropyLoss().compute(logits, Tensor.ofLongs(new long[] {2, 0})).backward();
      double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
      double[] expected = {
          Math.exp(1) / z / 2, Math.exp(2) / z / 2, (Math.exp(3) / z - 1) / 2,
          (1.0 / 3 - 1) / 2, 1.0 / 3 / 2, 1.0 / 3 / 2};
      assertAllClose(expected, logits.grad().toDoubleArray(), 1e-14, 1e-16, "CE gradient");
    }
  }

  @Test
  void crossEntropyOneHotTargetsEqualIntegerLabels() {
    Random r = new Random(41);
    CrossEntropyLoss ce = new CrossEntropyLoss();
    for (int[] nc : new int[][] {{4, 5}, {1, 3}, {8, 2}}) {
      int n = nc[0], c = nc[1];
      long[] labels = randomLabels(r, n, c);
      double[] hot = oneHot(labels, c);
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, n * c, -4, 4), dt);
          Tensor a = make(x, dt, n, c).requiresGrad(true), b = make(x, dt, n, c).requiresGrad(true);
          Tensor byLabel = ce.compute(a, Tensor.ofLongs(labels));
          Tensor byOneHot = ce.compute(b, make(hot, dt, n, c));
          String what = "one-hot vs labels " + n + "x" + c + " " + dt;
          assertEquals(0, byOneHot.rank(), what);
          assertEquals(byLabel.item(), byOneHot.item(), atol(dt) + rtol(dt) * Math.abs(byLabel.item()), what);
          assertEquals(crossEntropyRef(x, labels, c), byOneHot.item(), atol(dt) + rtol(dt) * byLabel.item(), what);
          byLabel.backward();
          byOneHot.backward();
          assertAllClose(values(a.grad()), values(b.grad()), rtol(dt), atol(dt), what + " gradient");
        }
      }
    }
  }

  @Test
  void crossEntropyIsExactForHugeLogits() {
    // Rows: dominant correct class, dominant wrong class, two tied huge logits, mixed signs.
    double[] x = {
        1e4, 0, -1e4,
        1e4, 0, -1e4,
        1e4, 1e4, 5,
        -1e4, 1e4 - 3, 1e4};
    long[] labels = {0, 2, 1, 1};
    int c = 3;
    double ref = crossEntropyRef(x, labels, c);
    // exact by hand: 0, 2e4, log 2, 3 + log(1 + e^-3): mean
    double byHand = (0 + 2e4 + Math.log(2) + 3 + Math.log1p(Math.exp(-3))) / 4;
    assertEquals(byHand, ref, 1e-12 * byHand, "reference sanity");
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor logits = make(x, dt, 4, c).requiresGrad(true);
        Tensor l = new CrossEntropyLoss().compute(logits, Tensor.ofLongs(labels));
        assertTrue(Double.isFinite(l.item()), "finite CE " + dt);
        assertEquals(ref, l.item(), atol(dt) + rtol(dt) * ref, "CE huge logits " + dt);
        l.backward();
        double[] g = values(logits.grad());
        for (double gi : g) assertTrue(Double.isFinite(gi), "finite gradient " + Arrays.toString(g));
        // row 1 (label 2, p = [1, 0, 0]): gradient (p - onehot) / 4
        assertEquals(0.25, g[3], 1e-7);
        assertEquals(-0.25, g[5], 1e-7);
        // one-hot float targets give the same exact loss through the log-softmax path
        Tensor soft = new CrossEntropyLoss().compute(make(x, dt, 4, c), make(oneHot(labels, c), dt, 4, c));
        assertTrue(Double.isFinite(soft.item()), "finite one-hot CE " + dt);
        assertEquals(ref, soft.item(), atol(dt) + rtol(dt) * ref, "one-hot CE huge logits " + dt);
      }
    }
    try (TensorScope s = new TensorScope()) {
      Tensor logits = Tensor.of(new double[] {1e4, 1e4 - 1, 1e4 - 4, -1e4, -1e4 + 2, -1e4 + 0.5}, 2, 3);
      Tensor lab = Tensor.ofInts(new int[] {1, 2});
      GradCheck.check(in -> new CrossEntropyLoss().compute(in[0], lab), logits).assertWithin(1e-6, 1e-5);
    }
  }

}
