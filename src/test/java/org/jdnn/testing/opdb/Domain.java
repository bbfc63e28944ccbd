package org.jdnn.testing.opdb;

import java.util.Arrays;
import java.util.Random;

/**
 * Where an op's random inputs are drawn: uniform in [lo, hi), optionally negated at random, and at
 * least {@code margin} away from each kink (a point where the op is not differentiable, or jumps),
 * so central differences of step h are never taken across one. Forward checks at the kinks
 * themselves are explicit samples of the row.
 */
public final class Domain {
  final double lo;
  final double hi;
  final boolean signed;
  final double[] kinks;
  final double margin;

  private Domain(double lo, double hi, boolean signed, double[] kinks, double margin) {
    if (!(lo < hi)) throw new IllegalArgumentException("empty domain [" + lo + ", " + hi + ")");
    this.lo = lo;
    this.hi = hi;
    this.signed = signed;
    this.kinks = kinks;
    this.margin = margin;
  }

  /** Values uniform in [lo, hi). */
  public static Domain range(double lo, double hi) {
    return new Domain(lo, hi, false, new double[0], 0);
  }

  /** Each value also negated with probability 1/2 (so [lo, hi) with lo > 0 covers both signs away from 0). */
  public Domain signed() {
    return new Domain(lo, hi, true, kinks, margin);
  }

  /** Values keep at least {@code margin} from each of {@code points}. */
  public Domain avoiding(double margin, double... points) {
    return new Domain(lo, hi, signed, points.clone(), margin);
  }

  /** {@code n} values drawn from this domain. */
  public double[] draw(Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      double x;
      do {
        x = lo + (hi - lo) * r.nextDouble();
        if (signed && r.nextBoolean()) x = -x;
      } while (nearKink(x));
      v[i] = x;
    }
    return v;
  }

  private boolean nearKink(double x) {
    for (double k : kinks) if (Math.abs(x - k) < margin) return true;
    return false;
  }

  @Override
  public String toString() {
    return (signed ? "+-" : "") + "[" + lo + ", " + hi + ")"
        + (kinks.length > 0 ? " avoiding " + Arrays.toString(kinks) + " by " + margin : "");
  }
}
