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

  /**
   * The error function, erf(x) = 2/sqrt(pi) integral_0^x e^(-t^2) dt, from its series
   * 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (1 3 5 ... (2n+1)), whose terms are all of x's sign (no
   * cancellation); beyond |x| = 6, 1 - |erf| is below 2.2e-17 and erf is +-1 in float64.
   */
  public static double erf(double x) {
    if (Double.isNaN(x)) return x;
    if (Math.abs(x) > 6) return Math.signum(x);
    double term = x, sum = x;
    for (int n = 1; Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
      term *= 2 * x * x / (2 * n + 1);
      sum += term;
    }
    return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
  }

  /** GELU as torch.nn.functional.gelu: x Phi(x) (approximate "none"), or the "tanh" approximation. */
  public static double gelu(double x, boolean tanh) {
    if (!tanh) return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }
}
