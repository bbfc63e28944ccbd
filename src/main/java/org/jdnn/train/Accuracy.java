package org.jdnn.train;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.MetricOps;
import org.jdnn.tensor.Tensor;

/**
 * Fraction of correctly classified samples. Multi-class scores (N, C) with C &gt;= 2 are correct when
 * the label (class indices (N), or the largest entry of (N, C) targets) is among the k largest
 * scores; ties and NaN count against the label. Single-output scores (N, 1) or (N) of a binary
 * classifier predict class 1 when the score is above the threshold, and are compared with 0/1
 * targets of shape (N) or (N, 1); a NaN score is wrong.
 *
 * <p>On a GPU, multi-class scores with class-index labels are counted there
 * ({@link MetricOps#countCorrect}) into a device counter that {@link #value()} reads, so an update
 * does not wait for the device; a label outside the classes is then raised at the next
 * synchronization as an IndexOutOfBoundsException of "count_correct" (on the CPU, at once, as an
 * IllegalArgumentException of this metric). The counter is freed by value() and reset().
 */
final class Accuracy implements Metric {
  private final String name;
  /** Top-k for multi-class scores; 0 when this metric only reads single-output scores. */
  private final int k;
  /** Threshold for single-output scores; null when this metric only reads multi-class scores. */
  private final Double threshold;
  private long correct;
  private long seen;
  /** Correct samples counted on a GPU since the last fold: one int64 there, owned here, or null. */
  private Tensor deviceCorrect;

  private Accuracy(String name, int k, Double threshold) {
    this.name = name;
    this.k = k;
    this.threshold = threshold;
  }

  static Accuracy topK(int k, String name) {
    if (k < 1) throw new IllegalArgumentException("top-k accuracy: k must be >= 1, got " + k);
    return new Accuracy(name, k, null);
  }

  /** Top-1 for multi-class scores, {@code threshold} for single-output scores. */
  static Accuracy classification(double threshold) {
    return new Accuracy("accuracy", 1, checkThreshold(threshold));
  }

  static Accuracy binary(double threshold) {
    return new Accuracy("accuracy", 0, checkThreshold(threshold));
  }

  private static double checkThreshold(double t) {
    if (!Double.isFinite(t)) throw new IllegalArgumentException("binary accuracy: threshold must be a finite number, got " + t);
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void reset() {
    correct = 0;
    seen = 0;
    if (deviceCorrect != null) {
      deviceCorrect.close();
      deviceCorrect = null;
    }
  }

  /** Adds the device counter to {@link #correct} (one read, which waits for the device) and frees it. */
  private void fold() {
    if (deviceCorrect == null) return;
    try {
      correct += deviceCorrect.toLongArray()[0];
    } finally {
      deviceCorrect.close();
      deviceCorrect = null;
    }
  }

  @Override
  public void update(Tensor output, Tensor target) {
    boolean singleOutput = output.rank() == 1 || (output.rank() == 2 && output.dim(1) == 1);
    if (singleOutput && threshold != null) {
      updateBinary(output, target);
    } else if (output.rank() == 2 && output.dim(1) >= 2 && k > 0) {
      updateTopK(output, target);
    } else if (k == 0) {
      throw new IllegalArgumentException(name + " (binary): expected single-output scores (N, 1) or (N), got " + output.describe()
          + "; for multi-class scores use Metric.accuracy()");
    } else {
      throw new IllegalArgumentException(name + ": expected (N, C) scores with C >= 2 classes, got " + output.describe()
          + (singleOutput ? "; a single-output binary classifier needs Metric.accuracy() or Metric.binaryAccuracy(t)" : ""));
    }
  }

  private void updateTopK(Tensor output, Tensor target) {
    int n = (int) output.dim(0);
    int c = (int) output.dim(1);
    if (k >= c) {
      throw new IllegalArgumentException(name + ": k = " + k + " of " + c + " classes would count every sample as correct; "
          + "use k < " + c);
    }
    // count_correct reads int32 or int64 labels; others (uint8 class ids) take the host path below, as on the CPU.
    boolean indexLabels = target.dtype() == DType.INT32 || target.dtype() == DType.INT64;
    if (output.device().isCuda() && target.rank() == 1 && target.dim(0) == n && indexLabels) {
      if (deviceCorrect != null && deviceCorrect.device() != output.device()) fold();
      if (deviceCorrect == null) {
        Tensor counter = Tensor.empty(DType.INT64, output.device(), 1).keep();
        MemoryOps.fill(counter, 0);
        deviceCorrect = counter;
      }
      MetricOps.countCorrect(output, target, k, deviceCorrect);
      seen += n;
      return;
    }
    int[] labels = MetricInputs.classTargets(name, target, n, c);
    double[] scores = doubles(output);
    for (int i = 0; i < n; i++) {
      double mine = scores[i * c + labels[i]];
      if (Double.isNaN(mine)) continue;
      int above = 0;
      // ties (and NaN, which is no score) count against the label, so a constant output is never "correct"
      for (int j = 0; j < c; j++) {
        double other = scores[i * c + j];
        if (j != labels[i] && (other >= mine || Double.isNaN(other))) above++;
      }
      if (above < k) correct++;
    }
    seen += n;
  }

  private void updateBinary(Tensor output, Tensor target) {
    int n = (int) output.dim(0);
    if (target.numel() != n || target.rank() > 2 || (target.rank() == 2 && target.dim(1) != 1)) {
      throw new IllegalArgumentException(name + ": expected " + n + " targets (0 or 1) of shape (" + n + ") or (" + n
          + ", 1) for single-output scores " + output.describe() + ", got " + target.describe());
    }
    double[] scores = doubles(output);
    double[] labels = doubles(target);
    for (int i = 0; i < n; i++) {
      if (labels[i] != 0 && labels[i] != 1) {
        throw new IllegalArgumentException(name + ": target " + labels[i] + " of sample " + i
            + " is not a class; binary accuracy needs 0 or 1 targets");
      }
      if (scores[i] > threshold == (labels[i] == 1) && !Double.isNaN(scores[i])) correct++;
    }
    seen += n;
  }

  private static double[] doubles(Tensor t) {
    try (Tensor d = t.to(DType.FLOAT64)) {
      return d.toDoubleArray();
    }
  }

  @Override
  public double value() {
    fold();
    return seen == 0 ? Double.NaN : (double) correct / seen;
  }
}
