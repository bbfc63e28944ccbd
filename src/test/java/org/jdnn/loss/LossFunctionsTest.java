package org.jdnn.loss;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** MSE, BCE (probabilities and logits) and cross-entropy against double references, with gradients. */
class LossFunctionsTest {

  // ---- helpers ---------------------------------------------------------------------------------

  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-13 : 1e-6;
  }

  /** Applies the reduction to per-element reference losses. */
  static double[] reduce(double[] perElement, Reduction reduction) {
    if (reduction == Reduction.NONE) return perElement;
    double s = 0;
    for (double v : perElement) s += v;
    return new double[] {reduction == Reduction.SUM ? s : s / perElement.length};
  }

  static void assertShape(Tensor loss, Reduction reduction, long[] inputShape) {
    if (reduction == Reduction.NONE) assertArrayEquals(inputShape, loss.shape(), "unreduced loss shape");
    else assertEquals(0, loss.rank(), "reduced loss is a scalar");
  }

  static double bceRef(double p, double t) {
    return -(t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log1p(-p), -100));
  }

  static double bceLogitsRef(double x, double t) {
    return Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
  }

  /** log sum_j exp(x_j) of one row, stably. */
  static double logSumExp(double[] x, int from, int c) {
    double mx = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < c; j++) mx = Math.max(mx, x[from + j]);
    double s = 0;
    for (int j = 0; j < c; j++) s += Math.exp(x[from + j] - mx);
    return mx + Math.log(s);
  }

  static double crossEntropyRef(double[] x, long[] labels, int c) {
    double total = 0;
    for (int i = 0; i < labels.length; i++) total += logSumExp(x, i * c, c) - x[i * c + (int) labels[i]];
    return total / labels.length;
  }

  static double softCrossEntropyRef(double[] x, double[] t, int c) {
    int n = x.length / c;
    double total = 0;
    for (int i = 0; i < n; i++) {
      double lse = logSumExp(x, i * c, c);
      for (int j = 0; j < c; j++) total -= t[i * c + j] * (x[i * c + j] - lse);
    }
    return total / n;
  }

  static long[] randomLabels(Random r, int n, int c) {
    long[] l = new long[n];
    for (int i = 0; i < n; i++) l[i] = r.nextInt(c);
    return l;
  }

  static int[] toInts(long[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
    return out;
  }

  static double[] oneHot(long[] labels, int c) {
    double[] t = new double[labels.length * c];
    for (int i = 0; i < labels.length; i++) t[i * c + (int) labels[i]] = 1;
    return t;
  }

  static final List<long[]> SHAPES = List.of(new long[] {4, 3}, new long[] {1, 1}, new long[] {7}, new long[] {2, 3, 5});

  // ---- MSELoss -----------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Reduction.class)
  void mseForwardAndGradient(Reduction reduction) {
    Random r = new Random(1 + reduction.ordinal());
    MSELoss loss = new MSELoss(reduction);
    for (long[] shape : SHAPES) {
      int n = numel(shape);
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, n, -2, 2), dt), t = representable(uniform(r, n, -2, 2), dt);
          Tensor l = loss.compute(make(x, dt, shape), make(t, dt, shape));
          assertShape(l, reduction, shape);
          double[] per = new double[n];
          for (int i = 0; i < n; i++) per[i] = (x[i] - t[i]) * (x[i] - t[i]);
          assertAllClose(reduce(per, reduction), values(l), rtol(dt), atol(dt),
              "MSE " + reduction + " " + Arrays.toString(shape) + " " + dt);
        }
      }
      try (TensorScope s = new TensorScope()) {
        Tensor x = Tensor.of(uniform(r, n, -2, 2), shape), t = Tensor.of(uniform(r, n, -2, 2), shape);
        // the gradient reaches both the prediction and the target, as in PyTorch
        GradCheck.check(in -> loss.compute(in[0], in[1]), x, t).assertWithin(1e-6, 1e-5);
      }
    }
  }

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

  @Test
  void lossesRejectMismatchedShapesAndDtypes() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.zeros(4, 3);
      for (Loss loss : List.of(new MSELoss(), new BCELoss(), new BCEWithLogitsLoss())) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.compute(a, Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> loss.compute(a, Tensor.zeros(DType.FLOAT64, 4, 3)));
        assertThrows(IllegalArgumentException.class, () -> loss.compute(a, Tensor.zeros(3, 4)));
      }
    }
  }

  // ---- BCELoss ------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Reduction.class)
  void bceForwardAndGradient(Reduction reduction) {
    Random r = new Random(10 + reduction.ordinal());
    BCELoss loss = new BCELoss(reduction);
    for (long[] shape : SHAPES) {
      int n = numel(shape);
      for (DType dt : FLOATS) {
        for (boolean hardTargets : new boolean[] {true, false}) {
          try (TensorScope s = new TensorScope()) {
            double[] p = representable(uniform(r, n, 0.02, 0.98), dt);
            double[] t = representable(uniform(r, n, 0, 1), dt);
            if (hardTargets) for (int i = 0; i < n; i++) t[i] = Math.rint(t[i]);
            Tensor l = loss.compute(make(p, dt, shape), make(t, dt, shape));
            assertShape(l, reduction, shape);
            double[] per = new double[n];
            for (int i = 0; i < n; i++) per[i] = bceRef(p[i], t[i]);
            assertAllClose(reduce(per, reduction), values(l), rtol(dt), atol(dt),
                "BCE " + reduction + " " + Arrays.toString(shape) + " " + dt + (hardTargets ? " hard" : " soft"));
          }
        }
      }
      try (TensorScope s = new TensorScope()) {
        Tensor p = Tensor.of(uniform(r, n, 0.05, 0.95), shape), t = Tensor.of(uniform(r, n, 0, 1), shape);
        GradCheck.check(in -> loss.compute(in[0], t), p).assertWithin(1e-6, 1e-5);
      }
    }
  }

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
        double[] ref = new double[p.length];
        for (int i = 0; i < p.length; i++) ref[i] = bceRef(pv[i], t[i]);
        assertAllClose(ref, v, rtol(dt), atol(dt), "BCE saturated " + dt);
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

  @ParameterizedTest
  @EnumSource(Reduction.class)
  void bceWithLogitsForwardAndGradient(Reduction reduction) {
    Random r = new Random(20 + reduction.ordinal());
    BCEWithLogitsLoss loss = new BCEWithLogitsLoss(reduction);
    for (long[] shape : SHAPES) {
      int n = numel(shape);
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, n, -6, 6), dt), t = representable(uniform(r, n, 0, 1), dt);
          Tensor l = loss.compute(make(x, dt, shape), make(t, dt, shape));
          assertShape(l, reduction, shape);
          double[] per = new double[n];
          for (int i = 0; i < n; i++) per[i] = bceLogitsRef(x[i], t[i]);
          assertAllClose(reduce(per, reduction), values(l), rtol(dt), atol(dt),
              "BCEWithLogits " + reduction + " " + Arrays.toString(shape) + " " + dt);
        }
      }
      try (TensorScope s = new TensorScope()) {
        double[] xv = uniform(r, n, 0.05, 6);
        for (int i = 0; i < n; i += 2) xv[i] = -xv[i]; // both branches, away from the kink at 0
        Tensor x = Tensor.of(xv, shape), t = Tensor.of(uniform(r, n, 0, 1), shape);
        GradCheck.check(in -> loss.compute(in[0], t), x).assertWithin(1e-6, 1e-5);
      }
    }
  }

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
        double[] ref = new double[x.length];
        for (int i = 0; i < x.length; i++) ref[i] = bceLogitsRef(x[i], t[i]);
        assertAllClose(ref, v, rtol(dt), atol(dt), "BCEWithLogits huge " + dt);
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
  void crossEntropyWithInt32AndInt64Labels() {
    Random r = new Random(40);
    CrossEntropyLoss ce = new CrossEntropyLoss();
    for (int[] nc : new int[][] {{4, 5}, {1, 3}, {1, 1}, {6, 1}, {3, 129}, {17, 10}}) {
      int n = nc[0], c = nc[1];
      long[] labels = randomLabels(r, n, c);
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, n * c, -4, 4), dt);
          double ref = crossEntropyRef(x, labels, c);
          Tensor l64 = ce.compute(make(x, dt, n, c), Tensor.ofLongs(labels));
          Tensor l32 = ce.compute(make(x, dt, n, c), Tensor.ofInts(toInts(labels)));
          String what = "CE " + n + "x" + c + " " + dt;
          assertEquals(0, l64.rank(), what);
          assertEquals(dt, l64.dtype(), what);
          assertEquals(ref, l64.item(), atol(dt) + rtol(dt) * Math.abs(ref), what + " int64 labels");
          assertEquals(l64.item(), l32.item(), 0.0, what + ": int32 and int64 labels agree");
          if (c == 1) assertEquals(0.0, l64.item(), 0.0, "a single class costs nothing");
        }
      }
      try (TensorScope s = new TensorScope()) {
        Tensor x = Tensor.of(uniform(r, n * c, -4, 4), n, c);
        Tensor l64 = Tensor.ofLongs(labels), l32 = Tensor.ofInts(toInts(labels));
        GradCheck.check(in -> ce.compute(in[0], l64), x).assertWithin(1e-6, 1e-5);
        GradCheck.check(in -> ce.compute(in[0], l32), x).assertWithin(1e-6, 1e-5);
      }
    }
  }

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
  void crossEntropySoftTargets() {
    Random r = new Random(42);
    CrossEntropyLoss ce = new CrossEntropyLoss();
    for (int[] nc : new int[][] {{4, 5}, {1, 3}, {6, 7}}) {
      int n = nc[0], c = nc[1];
      double[] t = uniform(r, n * c, 0, 1);
      for (int i = 0; i < n; i++) { // rows are probability distributions
        double sum = 0;
        for (int j = 0; j < c; j++) sum += t[i * c + j];
        for (int j = 0; j < c; j++) t[i * c + j] /= sum;
      }
      for (DType dt : FLOATS) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, n * c, -4, 4), dt), tv = representable(t, dt);
          double ref = softCrossEntropyRef(x, tv, c);
          Tensor l = ce.compute(make(x, dt, n, c), make(tv, dt, n, c));
          assertEquals(0, l.rank());
          assertEquals(ref, l.item(), atol(dt) + rtol(dt) * Math.abs(ref), "soft CE " + n + "x" + c + " " + dt);
        }
      }
      try (TensorScope s = new TensorScope()) {
        Tensor x = Tensor.of(uniform(r, n * c, -4, 4), n, c), tt = Tensor.of(t, n, c);
        GradCheck.check(in -> ce.compute(in[0], in[1]), x, tt).assertWithin(1e-6, 1e-5);
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

  @Test
  void crossEntropyValidatesLabelsAndTargets() {
    try (TensorScope s = new TensorScope()) {
      CrossEntropyLoss ce = new CrossEntropyLoss();
      Tensor logits = Tensor.zeros(3, 4);
      RuntimeException e = assertThrows(IndexOutOfBoundsException.class,
          () -> ce.compute(logits, Tensor.ofLongs(new long[] {0, 4, 1})));
      assertTrue(e.getMessage().contains("4") && e.getMessage().contains("index 1"), e.getMessage());
      e = assertThrows(IndexOutOfBoundsException.class, () -> ce.compute(logits, Tensor.ofInts(new int[] {0, -1, 1})));
      assertTrue(e.getMessage().contains("-1"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> ce.compute(logits, Tensor.ofLongs(new long[] {0, 1})));
      assertThrows(IllegalArgumentException.class, () -> ce.compute(Tensor.zeros(12), Tensor.ofLongs(new long[] {0})));
      assertThrows(IllegalArgumentException.class, () -> ce.compute(logits, Tensor.zeros(3, 5)));
      assertThrows(IllegalArgumentException.class, () -> ce.compute(logits, Tensor.zeros(DType.FLOAT64, 3, 4)));
    }
  }
}
