package org.jdnn.train;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/** Top-k accuracy for (N, C) scores against class labels (N) or class probabilities (N, C). */
final class TopKAccuracy implements Metric {
  private final int k;
  private final String name;
  private long correct;
  private long seen;

  TopKAccuracy(int k, String name) {
    if (k < 1) throw new IllegalArgumentException("top-k accuracy: k must be >= 1, got " + k);
    this.k = k;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void reset() {
    correct = 0;
    seen = 0;
  }

  @Override
  public void update(Tensor output, Tensor target) {
    if (output.rank() != 2) throw new IllegalArgumentException(name + ": expected (N, C) scores, got " + output.describe());
    int n = (int) output.dim(0);
    int c = (int) output.dim(1);
    int[] labels = labels(target, n);
    double[] scores;
    try (Tensor d = output.to(DType.FLOAT64)) {
      scores = d.toDoubleArray();
    }
    for (int i = 0; i < n; i++) {
      double mine = scores[i * c + labels[i]];
      int above = 0;
      // ties count against the label, so a constant output is never "correct"
      for (int j = 0; j < c; j++) if (j != labels[i] && scores[i * c + j] >= mine) above++;
      if (above < k) correct++;
    }
    seen += n;
  }

  private int[] labels(Tensor target, int n) {
    if (target.rank() == 1 && target.dim(0) == n && !target.dtype().isFloatingPoint()) {
      try (Tensor t = target.to(DType.INT32)) {
        return t.toIntArray();
      }
    }
    if (target.rank() == 2 && target.dim(0) == n) {
      long[] idx;
      try (Tensor t = target.argmax()) {
        idx = t.toLongArray();
      }
      int[] out = new int[n];
      for (int i = 0; i < n; i++) out[i] = (int) idx[i];
      return out;
    }
    throw new IllegalArgumentException(name + ": expected " + n + " integer labels or (" + n + ", C) targets, got "
        + target.describe());
  }

  @Override
  public double value() {
    return seen == 0 ? Double.NaN : (double) correct / seen;
  }
}
