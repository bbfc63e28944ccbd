package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** ROC-AUC and the regression metrics against their definitions, over batches and at the edges. */
class RocAucAndRegressionTest {
  private static double value(Metric m, Tensor out, Tensor y) {
    m.reset();
    m.update(out, y);
    return m.value();
  }

  /** The definition: the fraction of (positive, negative) pairs ordered right, ties counting half. */
  private static double pairwiseAuc(double[] s, int[] y) {
    double good = 0;
    long pairs = 0;
    for (int i = 0; i < s.length; i++) {
      if (y[i] != 1) continue;
      for (int j = 0; j < s.length; j++) {
        if (y[j] != 0) continue;
        pairs++;
        if (s[i] > s[j]) good += 1;
        else if (s[i] == s[j]) good += 0.5;
      }
    }
    return good / pairs;
  }

  @Test
  void aucHandChecked() {
    try (TensorScope sc = new TensorScope()) {
      // sklearn's roc_auc_score docs: y = [0,0,1,1], s = [0.1,0.4,0.35,0.8] -> 0.75
      // pairs (pos, neg): 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes -> 3/4
      assertEquals(0.75, value(Metric.rocAuc(), Tensor.of(new double[] {0.1, 0.4, 0.35, 0.8}), Tensor.ofInts(new int[] {0, 0, 1, 1})), 1e-12);
      // ties: y = [0,1,0,1], s = [0.5,0.5,0.2,0.9]; pos 0.5 vs neg 0.5 tie (1/2), vs 0.2 (1); pos 0.9 vs both (2)
      // -> 3.5 / 4 = 0.875 (average ranks: sorted 0.2(1) 0.5,0.5(2.5 each) 0.9(4): R+ = 6.5, (6.5 - 3)/4)
      assertEquals(0.875, value(Metric.rocAuc(), Tensor.of(new float[] {0.5f, 0.5f, 0.2f, 0.9f}, 4, 1),
          Tensor.of(new float[] {0, 1, 0, 1}, 4, 1)), 1e-12);
      // every score equal: 0.5
      assertEquals(0.5, value(Metric.rocAuc(), Tensor.of(new float[] {3, 3, 3, 3}), Tensor.ofInts(new int[] {0, 1, 0, 1})), 1e-12);
      // one class only: undefined -> NaN (sklearn raises)
      assertEquals(Double.NaN, value(Metric.rocAuc(), Tensor.of(new float[] {1, 2}), Tensor.ofInts(new int[] {1, 1})));
      assertEquals(Double.NaN, Metric.rocAuc().value());
      // (N, 2) scores: column 1 is the positive score
      assertEquals(0.75, value(Metric.rocAuc(), Tensor.of(new double[] {0, 0.1, 0, 0.4, 0, 0.35, 0, 0.8}, 4, 2),
          Tensor.ofInts(new int[] {0, 0, 1, 1})), 1e-12);
    }
  }

  @Test
  void aucOverBatchesWithManyTiesEqualsThePairwiseDefinition() {
    SplittableRandom r = new SplittableRandom(3);
    int n = 300;
    double[] s = new double[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3) == 0 ? 1 : 0;
      s[i] = Math.round((r.nextGaussian() + y[i]) * 4) / 4.0; // coarse: many ties
    }
    double ref = pairwiseAuc(s, y);
    for (Device d : new Device[] {Device.cpu(), Device.cudaEmulated()}) {
      try (TensorScope sc = new TensorScope()) {
        Tensor out = Tensor.of(s, n).to(d);
        Tensor lab = Tensor.ofInts(y, n).to(d);
        RocAuc m = Metric.rocAuc();
        assertEquals(ref, value(m, out, lab), 1e-12, "whole set on " + d);
        m.reset();
        int at = 0;
        for (int b : new int[] {64, 64, 64, 64, 44}) {
          m.update(NarrowOps.narrow(out, 0, at, b), NarrowOps.narrow(lab, 0, at, b));
          at += b;
        }
        assertEquals(ref, m.value(), 1e-12, "batches on " + d);
      }
    }
  }

  @Test
  void regressionHandChecked() {
    try (TensorScope sc = new TensorScope()) {
      // sklearn's r2_score docs: y = [3,-0.5,2,7], yhat = [2.5,0,2,8]
      // residuals 0.5,-0.5,0,-1: MAE = 2/4 = 0.5; RMSE = sqrt(1.5/4) = sqrt(0.375)
      // mean y = 2.875, SS_tot = 0.125^2 + 3.375^2 + 0.875^2 + 4.125^2 = 29.1875; R2 = 1 - 1.5/29.1875 = 0.948...
      Tensor yhat = Tensor.of(new float[] {2.5f, 0, 2, 8});
      Tensor y = Tensor.of(new float[] {3, -0.5f, 2, 7}, 4, 1);
      assertEquals(0.5, value(Metric.mae(), yhat, y), 1e-12);
      assertEquals(Math.sqrt(0.375), value(Metric.rmse(), yhat, y), 1e-12);
      assertEquals(1 - 1.5 / 29.1875, value(Metric.r2(), yhat, y), 1e-12);
      // constant targets (SS_tot = 0), sklearn's force_finite: 1 for exact predictions, else 0
      Tensor c = Tensor.of(new float[] {2, 2, 2});
      assertEquals(1.0, value(Metric.r2(), c, c));
      assertEquals(0.0, value(Metric.r2(), Tensor.of(new float[] {2, 2, 3}), c));
      // two outputs: R2 per column, uniform average. column 0 is the example above (0.948...),
      // column 1 is y = [1,2,3,4], yhat = [1,2,3,5]: mean 2.5, SS_tot 5, SS_res 1 -> 0.8
      Tensor yhat2 = Tensor.of(new float[] {2.5f, 1, 0, 2, 2, 3, 8, 5}, 4, 2);
      Tensor y2 = Tensor.of(new float[] {3, 1, -0.5f, 2, 2, 3, 7, 4}, 4, 2);
      assertEquals(((1 - 1.5 / 29.1875) + 0.8) / 2, value(Metric.r2(), yhat2, y2), 1e-12);
      assertEquals(Double.NaN, Metric.mae().value());
    }
  }

  @Test
  void regressionOverBatchesEqualsTheWholeSet() {
    SplittableRandom r = new SplittableRandom(5);
    int n = 257;
    double[] y = new double[n];
    double[] yhat = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = 1e4 + r.nextGaussian(); // a large mean: naive sum(y^2) - n mean^2 would lose digits
      yhat[i] = y[i] + 0.3 * r.nextGaussian();
    }
    double mean = 0;
    for (double v : y) mean += v;
    mean /= n;
    double ssTot = 0;
    double ssRes = 0;
    double abs = 0;
    for (int i = 0; i < n; i++) {
      ssTot += (y[i] - mean) * (y[i] - mean);
      ssRes += (y[i] - yhat[i]) * (y[i] - yhat[i]);
      abs += Math.abs(y[i] - yhat[i]);
    }
    double[] ref = {abs / n, Math.sqrt(ssRes / n), 1 - ssRes / ssTot};
    for (Device d : new Device[] {Device.cpu(), Device.cudaEmulated()}) {
      try (TensorScope sc = new TensorScope()) {
        Tensor out = Tensor.of(yhat, n, 1).to(d);
        Tensor tgt = Tensor.of(y, n, 1).to(d);
        RegressionMetric[] ms = {Metric.mae(), Metric.rmse(), Metric.r2()};
        for (int m = 0; m < 3; m++) {
          assertEquals(ref[m], value(ms[m], out, tgt), 1e-9, ms[m].name() + " whole on " + d);
          ms[m].reset();
        }
        int at = 0;
        for (int b : new int[] {1, 100, 100, 56}) {
          for (RegressionMetric m : ms) m.update(NarrowOps.narrow(out, 0, at, b), NarrowOps.narrow(tgt, 0, at, b));
          at += b;
        }
        for (int m = 0; m < 3; m++) assertEquals(ref[m], ms[m].value(), 1e-9, ms[m].name() + " batches on " + d);
      }
    }
  }

  @Test
  void wrongShapesNameTheMetricExpectedActualAndFix() {
    try (TensorScope sc = new TensorScope()) {
      assertRejected("roc_auc: expected binary scores (N), (N, 1) or (N, 2), got",
          () -> Metric.rocAuc().update(Tensor.zeros(4, 3), Tensor.ofInts(new int[] {0, 1, 0, 1})));
      assertRejected("roc_auc: expected 4 targets (0 or 1)",
          () -> Metric.rocAuc().update(Tensor.zeros(4), Tensor.ofInts(new int[] {0, 1})));
      assertRejected("roc_auc: score of sample 1 is NaN",
          () -> Metric.rocAuc().update(Tensor.of(new float[] {0, Float.NaN}), Tensor.ofInts(new int[] {0, 1})));
      assertRejected("r2: expected targets of the output's shape",
          () -> Metric.r2().update(Tensor.zeros(4, 2), Tensor.zeros(4)));
      assertRejected("reshape the targets to the model's output",
          () -> Metric.mae().update(Tensor.zeros(4, 2), Tensor.zeros(8)));
      assertRejected("mae: expected targets of the output's shape", () -> Metric.mae().update(Tensor.zeros(), Tensor.zeros(1)));
      RegressionMetric rmse = Metric.rmse();
      rmse.update(Tensor.zeros(4, 2), Tensor.zeros(4, 2));
      assertRejected("rmse: expected 2 outputs per sample as in earlier batches", () -> rmse.update(Tensor.zeros(4, 3), Tensor.zeros(4, 3)));
    }
  }
}
