package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * Precision, recall, F1 and the confusion matrix against scikit-learn's definitions: hand-checked
 * cases, a reference computed here by counting, batches against the whole set, and edge cases.
 */
class ClassificationMetricsTest {
  /** One-hot-ish scores (N, C) whose argmax is {@code pred}. */
  private static Tensor scoresFor(int[] pred, int c) {
    float[] s = new float[pred.length * c];
    for (int i = 0; i < pred.length; i++) {
      for (int j = 0; j < c; j++) s[i * c + j] = (float) (0.1 * j); // distinct, so no ties
      s[i * c + pred[i]] = 5;
    }
    return Tensor.of(s, pred.length, c);
  }

  private static double value(Metric m, Tensor out, Tensor y) {
    m.reset();
    m.update(out, y);
    return m.value();
  }

  @Test
  void scikitLearnDocumentationExample() {
    // sklearn's precision_score docs: y_true = [0,1,2,0,1,2], y_pred = [0,2,1,0,0,1].
    // class 0: predicted at 0,3,4 -> tp 2, fp 1; true at 0,3 -> fn 0: P 2/3, R 1, F1 2*2/(4+1+0) = 0.8
    // class 1: predicted at 2,5 (true 2,2) -> tp 0: P 0, R 0, F1 0; class 2 likewise 0.
    // macro P = (2/3)/3 = 2/9, macro R = 1/3, macro F1 = 0.8/3; micro = accuracy = 2/6.
    try (TensorScope s = new TensorScope()) {
      Tensor out = scoresFor(new int[] {0, 2, 1, 0, 0, 1}, 3);
      Tensor y = Tensor.ofInts(new int[] {0, 1, 2, 0, 1, 2});
      assertEquals(2.0 / 9, value(Metric.precision(Average.MACRO), out, y), 1e-12);
      assertEquals(1.0 / 3, value(Metric.recall(Average.MACRO), out, y), 1e-12);
      assertEquals(0.8 / 3, value(Metric.f1(Average.MACRO), out, y), 1e-12);
      for (Metric m : new Metric[] {Metric.precision(Average.MICRO), Metric.recall(Average.MICRO), Metric.f1(Average.MICRO)}) {
        assertEquals(2.0 / 6, value(m, out, y), 1e-12, m.name());
      }
      ClassificationScore p = Metric.precision(Average.MACRO);
      p.update(out, y);
      assertArrayEquals(new double[] {2.0 / 3, 0, 0}, p.perClass(), 1e-12);
      ClassificationScore f = Metric.f1(Average.MACRO);
      f.update(out, y);
      assertArrayEquals(new double[] {0.8, 0, 0}, f.perClass(), 1e-12);
      assertEquals("f1_macro", f.name());
      assertEquals("precision_micro", Metric.precision(Average.MICRO).name());
      assertEquals("recall_binary", Metric.recall(Average.BINARY).name());

      ConfusionMatrix cm = ConfusionMatrix.of(out, y);
      assertArrayEquals(new long[][] {{2, 0, 0}, {1, 0, 1}, {0, 2, 0}}, cm.counts());
      assertEquals(6, cm.total());
      assertEquals(2.0 / 6, cm.value(), 1e-12);
      String text = cm.toText(List.of("cat", "dog", "bird"));
      assertTrue(text.contains("cat") && text.contains("bird"), text);
      assertEquals(4, text.split("\n").length, text);
      assertTrue(text.split("\n")[2].matches("dog\\s+1\\s+0\\s+1"), text);
    }
  }

  @Test
  void batchesAccumulateToTheWholeSetAndMatchCountingReference() {
    SplittableRandom r = new SplittableRandom(7);
    int n = 200;
    int c = 4;
    float[] s = new float[n * c];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(c);
      for (int j = 0; j < c; j++) s[i * c + j] = (float) r.nextGaussian() + (j == y[i] ? 0.8f : 0);
    }
    // reference from the definitions: predictions by argmax, counts per class
    int[] pred = new int[n];
    for (int i = 0; i < n; i++) for (int j = 1; j < c; j++) if (s[i * c + j] > s[i * c + pred[i]]) pred[i] = j;
    double[] refP = new double[c];
    double[] refR = new double[c];
    double[] refF = new double[c];
    long correct = 0;
    for (int k = 0; k < c; k++) {
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (int i = 0; i < n; i++) {
        if (pred[i] == k && y[i] == k) tp++;
        else if (pred[i] == k) fp++;
        else if (y[i] == k) fn++;
      }
      correct += tp;
      refP[k] = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
      refR[k] = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
      refF[k] = refP[k] + refR[k] == 0 ? 0 : 2 * refP[k] * refR[k] / (refP[k] + refR[k]);
    }
    for (Device d : new Device[] {Device.cpu(), Device.cudaEmulated()}) {
      try (TensorScope sc = new TensorScope()) {
        Tensor out = Tensor.of(s, n, c).to(d);
        Tensor labels = Tensor.ofInts(y, n).to(d);
        ClassificationScore[] ms = {Metric.precision(Average.MACRO), Metric.recall(Average.MACRO), Metric.f1(Average.MACRO),
            Metric.f1(Average.MICRO)};
        double[] whole = new double[ms.length];
        for (int m = 0; m < ms.length; m++) whole[m] = value(ms[m], out, labels);
        assertEquals(mean(refP), whole[0], 1e-12);
        assertEquals(mean(refR), whole[1], 1e-12);
        assertEquals(mean(refF), whole[2], 1e-12);
        assertEquals((double) correct / n, whole[3], 1e-12);
        assertArrayEquals(refF, ms[2].perClass(), 1e-12);
        for (ClassificationScore m : ms) m.reset();
        int[] sizes = {1, 37, 50, 112};
        int at = 0;
        for (int b : sizes) {
          try (TensorScope inner = new TensorScope()) {
            Tensor ob = NarrowOps.narrow(out, 0, at, b);
            Tensor yb = NarrowOps.narrow(labels, 0, at, b);
            for (ClassificationScore m : ms) m.update(ob, yb);
          }
          at += b;
        }
        for (int m = 0; m < ms.length; m++) assertEquals(whole[m], ms[m].value(), 1e-12, ms[m].name() + " on " + d);
      }
    }
  }

  private static double mean(double[] v) {
    double t = 0;
    for (double x : v) t += x;
    return t / v.length;
  }

  @Test
  void aClassNeverPredictedCountsZeroAndAnAbsentClassIsLeftOutOfMacro() {
    try (TensorScope s = new TensorScope()) {
      // 4-class scores; true [0,0,1,1], predicted [0,0,0,1]. Class 2 is never predicted nor true (left
      // out of the macro mean, as sklearn's unique_labels); class 3 likewise.
      // class 0: tp 2 fp 1 fn 0 -> P 2/3, R 1; class 1: tp 1 fp 0 fn 1 -> P 1, R 1/2
      // macro P = (2/3 + 1)/2 = 5/6, macro R = (1 + 1/2)/2 = 3/4
      Tensor out = scoresFor(new int[] {0, 0, 0, 1}, 4);
      Tensor y = Tensor.ofInts(new int[] {0, 0, 1, 1});
      assertEquals(5.0 / 6, value(Metric.precision(Average.MACRO), out, y), 1e-12);
      assertEquals(3.0 / 4, value(Metric.recall(Average.MACRO), out, y), 1e-12);
      ClassificationScore p = Metric.precision(Average.MACRO);
      p.update(out, y);
      assertArrayEquals(new double[] {2.0 / 3, 1, 0, 0}, p.perClass(), 1e-12, "absent classes count 0 per class");
      // true [0,1,2], predicted [0,0,0]: classes 1 and 2 are never predicted -> precision 0 (zero_division)
      // class 0: P 1/3, R 1; macro P = (1/3 + 0 + 0)/3 = 1/9; macro R = (1 + 0 + 0)/3 = 1/3
      // F1 class 0 = 2*1/(2+2+0) = 1/2 -> macro 1/6
      Tensor o3 = scoresFor(new int[] {0, 0, 0}, 3);
      Tensor y3 = Tensor.ofInts(new int[] {0, 1, 2});
      assertEquals(1.0 / 9, value(Metric.precision(Average.MACRO), o3, y3), 1e-12);
      assertEquals(1.0 / 3, value(Metric.recall(Average.MACRO), o3, y3), 1e-12);
      assertEquals(1.0 / 6, value(Metric.f1(Average.MACRO), o3, y3), 1e-12);
    }
  }

  @Test
  void allOneClass() {
    try (TensorScope s = new TensorScope()) {
      // every sample true 0 and predicted 0: only class 0 occurs, so macro = class 0's = 1
      Tensor out = scoresFor(new int[] {0, 0, 0}, 3);
      Tensor y = Tensor.ofInts(new int[] {0, 0, 0});
      assertEquals(1.0, value(Metric.f1(Average.MACRO), out, y), 1e-12);
      assertEquals(1.0, value(Metric.precision(Average.MICRO), out, y), 1e-12);
      // binary, all negative and predicted negative: class 1 never predicted nor true -> 0 (sklearn zero_division)
      Tensor logits = Tensor.of(new float[] {-1, -2, -3});
      Tensor zeros = Tensor.ofInts(new int[] {0, 0, 0});
      assertEquals(0.0, value(Metric.precision(Average.BINARY), logits, zeros));
      assertEquals(0.0, value(Metric.recall(Average.BINARY), logits, zeros));
      assertEquals(0.0, value(Metric.f1(Average.BINARY), logits, zeros));
      assertEquals(Double.NaN, Metric.f1(Average.MACRO).value(), "no samples");
    }
  }

  @Test
  void singleOutputScoresUseTheThreshold() {
    try (TensorScope s = new TensorScope()) {
      // probabilities thresholded at 0.5 -> predicted [1,0,1,0,0]; true [1,0,0,1,0]
      // class 1: tp 1 (sample 0), fp 1 (sample 2), fn 1 (sample 3): P 1/2, R 1/2, F1 1/2
      // class 0: tp 2 (1, 4), fp 1 (3), fn 1 (2): P 2/3, R 2/3, F1 2/3; macro F1 = (1/2 + 2/3)/2 = 7/12
      Tensor p = Tensor.of(new float[] {0.9f, 0.2f, 0.6f, 0.4f, 0.5f}, 5, 1);
      Tensor y = Tensor.of(new float[] {1, 0, 0, 1, 0}, 5, 1);
      assertEquals(0.5, value(Metric.precision(Average.BINARY, 0.5), p, y), 1e-12);
      assertEquals(0.5, value(Metric.recall(Average.BINARY, 0.5), p, y), 1e-12);
      assertEquals(7.0 / 12, value(Metric.f1(Average.MACRO, 0.5), p, y), 1e-12);
      assertEquals(3.0 / 5, value(Metric.f1(Average.MICRO, 0.5), p, y), 1e-12);
      // the default threshold 0 reads them as logits: all predicted 1 -> P = 2/5, R = 1
      assertEquals(2.0 / 5, value(Metric.precision(Average.BINARY), p, y), 1e-12);
      ConfusionMatrix cm = ConfusionMatrix.binary(0.5);
      cm.update(p.reshape(5), Tensor.ofInts(new int[] {1, 0, 0, 1, 0}));
      assertArrayEquals(new long[][] {{2, 1}, {1, 1}}, cm.counts());
      // (N, 2) scores also work with BINARY
      Tensor two = scoresFor(new int[] {1, 0, 1, 0, 0}, 2);
      assertEquals(0.5, value(Metric.precision(Average.BINARY), two, Tensor.ofInts(new int[] {1, 0, 0, 1, 0})), 1e-12);
    }
  }

  @Test
  void wrongShapesNameTheMetricExpectedActualAndFix() {
    try (TensorScope s = new TensorScope()) {
      Tensor out = scoresFor(new int[] {0, 1, 2}, 3);
      assertRejected("f1_macro: expected 3 integer labels (3) or (3, 3) targets for (3, 3) scores, got",
          () -> Metric.f1(Average.MACRO).update(out, Tensor.ofInts(new int[] {0, 1})));
      assertRejected("class indices", () -> Metric.f1(Average.MACRO).update(out, Tensor.ofInts(new int[] {0, 1})));
      assertRejected("precision_macro: label 3 of sample 0 is not a class of the 3-class scores",
          () -> Metric.precision(Average.MACRO).update(out, Tensor.ofInts(new int[] {3, 1, 1})));
      assertRejected("recall_binary: Average.BINARY expected single-output scores",
          () -> Metric.recall(Average.BINARY).update(out, Tensor.ofInts(new int[] {0, 1, 1})));
      assertRejected("use Average.MACRO or Average.MICRO",
          () -> Metric.recall(Average.BINARY).update(out, Tensor.ofInts(new int[] {0, 1, 1})));
      assertRejected("f1_micro: expected 3 targets (0 or 1)",
          () -> Metric.f1(Average.MICRO).update(Tensor.of(new float[] {1, 2, 3}), Tensor.ofInts(new int[] {0, 1})));
      assertRejected("f1_micro: target 2.0 of sample 1 is not a class",
          () -> Metric.f1(Average.MICRO).update(Tensor.of(new float[] {1, 2, 3}), Tensor.ofInts(new int[] {0, 2, 1})));
      assertRejected("cm_accuracy: expected (N, C) scores", () -> new ConfusionMatrix().update(Tensor.zeros(2, 3, 4), out));
      ConfusionMatrix cm = new ConfusionMatrix(3);
      assertRejected("cm_accuracy: expected scores for 3 classes (N, 3), got",
          () -> cm.update(scoresFor(new int[] {0}, 4), Tensor.ofInts(new int[] {0})));
      cm.update(out, Tensor.ofInts(new int[] {0, 1, 2}));
      assertRejected("expected 3 class names, got 2", () -> cm.toText(List.of("a", "b")));
      assertRejected("f1: average must be", () -> Metric.f1(null));
      assertRejected("threshold must be a finite number", () -> Metric.f1(Average.BINARY, Double.NaN));
    }
  }
}
