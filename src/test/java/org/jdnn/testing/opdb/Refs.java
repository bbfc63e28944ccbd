package org.jdnn.testing.opdb;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/** Reference building blocks shared by the row families: index arithmetic and NumPy broadcasting in plain loops. */
final class Refs {
  private Refs() {}

  static int numel(long... shape) {
    long n = 1;
    for (long d : shape) n *= d;
    return Math.toIntExact(n);
  }

  static double[] map(double[] x, DoubleUnaryOperator f) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
    return y;
  }

  /** NumPy's broadcast shape (the shapes are assumed compatible). */
  static long[] broadcastShape(long[] a, long[] b) {
    int rank = Math.max(a.length, b.length);
    long[] out = new long[rank];
    for (int i = 0; i < rank; i++) {
      long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** The multi-index of flat position {@code flat} in {@code shape} (row-major). */
  static long[] unravel(long flat, long[] shape) {
    long[] idx = new long[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
    return idx;
  }

  /** Flat index into an operand of shape {@code s} broadcast against output multi-index {@code idx} (right-aligned). */
  static int broadcastIndex(long[] s, long[] idx) {
    int off = idx.length - s.length;
    long flat = 0;
    for (int d = 0; d < s.length; d++) flat = flat * s[d] + (s[d] == 1 ? 0 : idx[d + off]);
    return Math.toIntExact(flat);
  }

  /** f(a, b) with NumPy broadcasting. */
  static double[] broadcast(double[] a, long[] sa, double[] b, long[] sb, DoubleBinaryOperator f) {
    long[] so = broadcastShape(sa, sb);
    double[] out = new double[numel(so)];
    for (int i = 0; i < out.length; i++) {
      long[] idx = unravel(i, so);
      out[i] = f.applyAsDouble(a[broadcastIndex(sa, idx)], b[broadcastIndex(sb, idx)]);
    }
    return out;
  }

  /** x (shape xs) summed down to {@code target}, right-aligned as in broadcasting (the reverse of broadcasting). */
  static double[] sumTo(double[] x, long[] xs, long[] target) {
    double[] y = new double[numel(target)];
    for (int i = 0; i < x.length; i++) y[broadcastIndex(target, unravel(i, xs))] += x[i];
    return y;
  }
}
