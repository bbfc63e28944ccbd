package org.jdnn.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * Helpers shared by the op tests: random inputs, float32/float64 tensors from {@code double[]} and back, closeness
 * and error-message assertions. Tolerances stay with each test class.
 */
public final class OpTestSupport {
  /** The floating dtypes every op is checked in. */
  public static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

  private OpTestSupport() {}

  /** {@code n} values uniform in [lo, hi). */
  public static double[] uniform(Random r, int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextDouble();
    return v;
  }

  /** {@code n} values uniform in [lo, hi), each negated at random when {@code signed}. */
  public static double[] uniform(Random r, int n, double lo, double hi, boolean signed) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * r.nextDouble();
      if (signed && r.nextBoolean()) v[i] = -v[i];  // drawn per element: the sequences tests were tuned on
    }
    return v;
  }

  /** The values as a tensor of dtype {@code dt} holds them (float32 rounds). */
  public static double[] representable(double[] v, DType dt) {
    if (dt == DType.FLOAT64) return v.clone();
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
    return out;
  }

  /** A float32 or float64 tensor holding {@code v}; as with {@link Tensor#of}, no shape means 1-D. */
  public static Tensor make(double[] v, DType dt, long... shape) {
    if (dt == DType.FLOAT64) return Tensor.of(v, shape);
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
    return Tensor.of(f, shape);
  }

  /** A new tensor of dtype {@code dt} filled uniform in [-1, 1) by the global generator (Generator.manualSeed fixes it). */
  public static Tensor globalUniform(DType dt, long... shape) {
    Tensor t = Tensor.empty(dt, shape);
    Generator.global().uniform(t, -1, 1);
    return t;
  }

  /** As {@link #make}, but an empty shape gives a rank-0 scalar. */
  public static Tensor makeOrScalar(double[] v, DType dt, long... shape) {
    if (shape.length == 0) return Tensor.scalar(v[0], dt);
    return make(v, dt, shape);
  }

  /** A float32 or float64 tensor's elements as doubles. */
  public static double[] values(Tensor t) {
    if (t.dtype() == DType.FLOAT64) return t.toDoubleArray();
    float[] f = t.toFloatArray();
    double[] out = new double[f.length];
    for (int i = 0; i < f.length; i++) out[i] = f[i];
    return out;
  }

  /** The element count of {@code shape}. */
  public static int numel(long[] shape) {
    long n = 1;
    for (long d : shape) n *= d;
    return Math.toIntExact(n);
  }

  /** Each {@code |actual - expected| <= atol + rtol * |expected|} (NaN fails). */
  public static void assertAllClose(double[] expected, double[] actual, double rtol, double atol, String what) {
    assertEquals(expected.length, actual.length, what + ": element count");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i], a = actual[i];
      double tol = atol + rtol * Math.abs(e);
      if (!(Math.abs(a - e) <= tol)) {
        fail(what + ": element " + i + " expected " + e + " but was " + a + " (abs err " + Math.abs(a - e)
            + ", tolerance " + tol + ")");
      }
    }
  }

  /** {@link #assertAllClose} with the tolerances in (atol, rtol) order, as the convolution-family tests pass them. */
  public static void assertClose(double[] expected, double[] actual, double atol, double rtol, String what) {
    assertAllClose(expected, actual, rtol, atol, what);
  }

  /** {@code call} throws an IllegalArgumentException whose message starts with parts[0] and names every part. */
  public static void assertMessage(Runnable call, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    String m = e.getMessage();
    assertTrue(m.startsWith(parts[0]), "message should start with " + parts[0] + ": " + m);
    for (String p : parts) assertTrue(m.contains(p), "message should name " + p + ": " + m);
  }

  /**
   * {@code call} refuses {@code layer}'s settings: an IllegalArgumentException whose message starts with "layer: ",
   * names every part and says how to fix it (a "; " clause).
   */
  public static void assertRefusal(Runnable call, String layer, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    String m = e.getMessage();
    assertTrue(m.startsWith(layer + ": "), m);
    for (String p : parts) assertTrue(m.contains(p), m + " should mention " + p);
    assertTrue(m.contains("; "), m + " should say how to fix it");
  }

  /** {@code call} throws a RuntimeException (as the native layer reports errors) naming every part. */
  public static void assertNativeError(Runnable call, String... parts) {
    RuntimeException e = assertThrows(RuntimeException.class, call::run);
    for (String p : parts) assertTrue(e.getMessage().contains(p), "message should name " + p + ": " + e.getMessage());
  }

  /**
   * {@code call} on {@code dev} fails for its data with a RuntimeException naming every part: on the CPU the op
   * throws itself; on a GPU an op that checks its data in its kernels records the error there and the next
   * synchronization raises it ({@link Device#checkErrors()}, run right after the call), saying so.
   */
  public static void assertDeviceDataError(Device dev, Runnable call, String... parts) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> {
      call.run();
      dev.checkErrors();
    });
    for (String p : parts) assertTrue(e.getMessage().contains(p), "message should name " + p + ": " + e.getMessage());
    if (dev.isCuda()) {
      assertTrue(e.getMessage().endsWith("raised at the next synchronization: Device.checkErrors())"), e.getMessage());
    }
  }

  /** The message of {@code e} names every part. */
  public static void assertMentions(Throwable e, String... parts) {
    for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
  }
}
