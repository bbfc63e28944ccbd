package org.jdnn.testing.opdb;

/**
 * PyTorch's documented formulas in float64, written here (never taken from jdnn), that the rows and
 * the hand-written tests beyond them both check against.
 */
public final class Formulas {
  private Formulas() {}

  /**
   * softmax(x / t), or its log, over consecutive rows of {@code c} values, with the row maximum
   * subtracted (exact for huge logits).
   */
  public static double[] softmax(double[] x, int c, double t, boolean log) {
    double[] y = new double[x.length];
    for (int r0 = 0; r0 < x.length; r0 += c) {
      double mx = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) mx = Math.max(mx, x[r0 + j] / t);
      double sum = 0;
      for (int j = 0; j < c; j++) sum += Math.exp(x[r0 + j] / t - mx);
      for (int j = 0; j < c; j++) {
        double z = x[r0 + j] / t - mx;
        y[r0 + j] = log ? z - Math.log(sum) : Math.exp(z) / sum;
      }
    }
    return y;
  }

  /** log sum_j exp(x_j) over {@code x[from .. from + c)}, stably. */
  public static double logSumExp(double[] x, int from, int c) {
    double mx = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < c; j++) mx = Math.max(mx, x[from + j]);
    double s = 0;
    for (int j = 0; j < c; j++) s += Math.exp(x[from + j] - mx);
    return mx + Math.log(s);
  }

  /** Binary cross-entropy of probability p against target t, each log clamped at -100 as PyTorch does. */
  public static double bce(double p, double t) {
    return -(t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log1p(-p), -100));
  }

  /** {@link #bce(double, double)} of each (p[i], t[i]). */
  public static double[] bce(double[] p, double[] t) {
    double[] out = new double[p.length];
    for (int i = 0; i < p.length; i++) out[i] = bce(p[i], t[i]);
    return out;
  }

  /** Binary cross-entropy of sigmoid(x) against t, in the form that is exact for huge |x|. */
  public static double bceWithLogits(double x, double t) {
    return Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
  }

  /** {@link #bceWithLogits(double, double)} of each (x[i], t[i]). */
  public static double[] bceWithLogits(double[] x, double[] t) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) out[i] = bceWithLogits(x[i], t[i]);
    return out;
  }
}
