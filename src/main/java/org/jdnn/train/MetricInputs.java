package org.jdnn.train;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * Host copies of a batch for the metrics that count in Java: each tensor is converted to float64
 * where it is and read once (one device-to-host copy per tensor, which waits for the device).
 */
final class MetricInputs {
  private MetricInputs() {}

  static double[] doubles(Tensor t) {
    try (Tensor d = t.to(DType.FLOAT64)) {
      return d.toDoubleArray();
    }
  }

  /** True for (N) or (N, 1) scores. */
  static boolean singleOutput(Tensor output) {
    return output.rank() == 1 || (output.rank() == 2 && output.dim(1) == 1);
  }

  /** 0/1 targets of shape (N) or (N, 1) for {@code n} single-output scores, read as ints. */
  static int[] binaryTargets(String name, Tensor output, Tensor target) {
    int n = (int) output.dim(0);
    if (target.numel() != n || target.rank() > 2 || (target.rank() == 2 && target.dim(1) != 1)) {
      throw new IllegalArgumentException(name + ": expected " + n + " targets (0 or 1) of shape (" + n + ") or (" + n
          + ", 1) for single-output scores " + output.describe() + ", got " + target.describe()
          + "; pass one 0/1 target per sample");
    }
    double[] y = doubles(target);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      if (y[i] != 0 && y[i] != 1) {
        throw new IllegalArgumentException(name + ": target " + y[i] + " of sample " + i
            + " is not a class; single-output scores need 0 or 1 targets");
      }
      out[i] = (int) y[i];
    }
    return out;
  }

  /**
   * Class indices for (N, C) scores: integer labels (N), or the largest entry of (N, C) targets
   * (one-hot or probabilities).
   */
  static int[] classTargets(String name, Tensor target, int n, int c) {
    if (target.rank() == 1 && target.dim(0) == n && !target.dtype().isFloatingPoint()) {
      int[] labels;
      try (Tensor t = target.to(DType.INT32)) {
        labels = t.toIntArray();
      }
      for (int i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= c) {
          throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i + " is not a class of the " + c
              + "-class scores (expected 0 to " + (c - 1) + ")");
        }
      }
      return labels;
    }
    if (target.rank() == 2 && target.dim(0) == n && target.dim(1) == c) {
      return argmax(doubles(target), n, c);
    }
    throw new IllegalArgumentException(name + ": expected " + n + " integer labels (" + n + ") or (" + n + ", " + c
        + ") targets for (" + n + ", " + c + ") scores, got " + target.describe()
        + "; pass class indices as an int32/int64 tensor");
  }

  /** Row-wise argmax as torch.argmax: the first largest entry, NaN counting as the largest. */
  static int[] argmax(double[] v, int n, int c) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      double bv = v[i * c];
      for (int j = 1; j < c && !Double.isNaN(bv); j++) {
        double x = v[i * c + j];
        if (Double.isNaN(x) || x > bv) {
          best = j;
          bv = x;
        }
      }
      out[i] = best;
    }
    return out;
  }
}
