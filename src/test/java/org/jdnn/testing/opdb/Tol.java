package org.jdnn.testing.opdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** An element-wise tolerance |actual - expected| <= atol + rtol * scale (NaN must meet NaN, infinity itself). */
public final class Tol {
  public final double rtol;
  public final double atol;

  private Tol(double rtol, double atol) {
    this.rtol = rtol;
    this.atol = atol;
  }

  public static Tol of(double rtol, double atol) {
    return new Tol(rtol, atol);
  }

  /** Bit-for-bit equality (integer results, copies, masks). */
  public static Tol exact() {
    return new Tol(0, 0);
  }

  /** Checks every element; {@code scale} may be null (then |expected| is the scale). */
  void assertClose(double[] expected, double[] scale, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": element count");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i], a = actual[i];
      if (Double.isNaN(e) || Double.isInfinite(e)) {
        if (Double.compare(e, a) != 0) fail(what + ": element " + i + " expected " + e + " but was " + a);
        continue;
      }
      double tol = atol + rtol * (scale != null ? scale[i] : Math.abs(e));
      if (!(Math.abs(a - e) <= tol)) {
        fail(what + ": element " + i + " expected " + e + " but was " + a + " (abs err " + Math.abs(a - e)
            + ", tolerance " + tol + ")");
      }
    }
  }

  @Override
  public String toString() {
    return "rtol " + rtol + ", atol " + atol;
  }
}
