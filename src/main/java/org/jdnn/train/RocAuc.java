package org.jdnn.train;

import java.util.Arrays;
import org.jdnn.tensor.Tensor;

/**
 * Area under the ROC curve of a binary classifier, exact: the scores and 0/1 targets of every batch
 * are kept (a double and an int per sample, in Java) and {@link #value()} sorts
 * them once. The area is the Mann-Whitney statistic (R+ - P (P + 1) / 2) / (P Q), R+ the sum of the
 * positives' ranks with tied scores given their average rank, P positives and Q negatives; this
 * equals scikit-learn's roc_auc_score (trapezoids through tied scores) and torchmetrics' BinaryAUROC.
 *
 * <p>Scores are (N) or (N, 1) (logits or probabilities: any monotone score gives the same area), or
 * the class-1 column of (N, 2) scores. NaN scores are refused (scikit-learn refuses them too). With
 * only one class among the targets the area is undefined: {@link #value()} gives NaN (scikit-learn
 * raises an error). Each update reads the outputs and targets to the host once each.
 */
public final class RocAuc implements Metric {
  private static final String NAME = "roc_auc";
  private double[] scores = new double[0];
  private int[] labels = new int[0];
  private int size;

  RocAuc() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void reset() {
    scores = new double[0];
    labels = new int[0];
    size = 0;
  }

  @Override
  public void update(Tensor output, Tensor target) {
    boolean two = output.rank() == 2 && output.dim(1) == 2;
    if (!MetricInputs.singleOutput(output) && !two) {
      throw new IllegalArgumentException(NAME + ": expected binary scores (N), (N, 1) or (N, 2), got " + output.describe()
          + "; ROC-AUC here is for binary classifiers (one score per sample, or two classes)");
    }
    int n = (int) output.dim(0);
    double[] s = MetricInputs.doubles(output);
    int[] y = two ? MetricInputs.classTargets(NAME, target, n, 2) : MetricInputs.binaryTargets(NAME, output, target);
    if (size + n > scores.length) {
      int cap = Math.max(size + n, scores.length * 2);
      scores = Arrays.copyOf(scores, cap);
      labels = Arrays.copyOf(labels, cap);
    }
    for (int i = 0; i < n; i++) {
      double v = two ? s[2 * i + 1] : s[i];
      if (Double.isNaN(v)) throw new IllegalArgumentException(NAME + ": score of sample " + i + " is NaN; ROC-AUC needs finite scores");
      scores[size + i] = v;
      labels[size + i] = y[i];
    }
    size += n;
  }

  /**
   * The area under the ROC curve of every sample added since the last reset.
   *
   * @return a value in [0, 1]; NaN when no sample was added or the targets hold only one class
   */
  @Override
  public double value() {
    return auc(Arrays.copyOf(scores, size), Arrays.copyOf(labels, size));
  }

  static double auc(double[] s, int[] y) {
    int n = s.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Double.compare(s[a], s[b]));
    long pos = 0;
    for (int v : y) pos += v;
    long neg = n - pos;
    if (pos == 0 || neg == 0) return Double.NaN;
    double rankSum = 0;
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && s[order[j + 1]] == s[order[i]]) j++;
      double avgRank = (i + j) / 2.0 + 1; // ranks are 1-based; a tie group i..j shares their mean
      for (int k = i; k <= j; k++) if (y[order[k]] == 1) rankSum += avgRank;
      i = j + 1;
    }
    return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }
}
