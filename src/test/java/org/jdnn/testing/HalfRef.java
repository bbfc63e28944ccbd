package org.jdnn.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.jdnn.tensor.DType;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A reference for the 16-bit float types written from their definitions, not from the bit tricks the library uses:
 * each pattern's value computed in double from sign, exponent and mantissa, and rounding as a search for the nearest
 * representable value among all of them (ties to the even pattern; past the largest finite value the next candidate is
 * 2^16 for float16 and 2^128 for bfloat16, which encode infinity, so overflow follows the same rule).
 */
public final class HalfRef {
  private final DType dtype;
  private final double[] positive;  // the values of patterns 0 .. inf, ascending

  private static final HalfRef F16 = new HalfRef(DType.FLOAT16);
  private static final HalfRef BF16 = new HalfRef(DType.BFLOAT16);

  /** (device, FLOAT16 or BFLOAT16) for every test device: the parameters of the 16-bit float tests. */
  public static Stream<Arguments> onEveryDevice() {
    List<Arguments> out = new ArrayList<>();
    for (TestDevice d : TestDevice.values()) {
      out.add(Arguments.of(d, DType.FLOAT16));
      out.add(Arguments.of(d, DType.BFLOAT16));
    }
    return out.stream();
  }

  public static HalfRef of(DType dtype) {
    if (dtype == DType.FLOAT16) return F16;
    if (dtype == DType.BFLOAT16) return BF16;
    throw new IllegalArgumentException("not a 16-bit float type: " + dtype);
  }

  private HalfRef(DType dtype) {
    this.dtype = dtype;
    int inf = infinityBits();
    positive = new double[inf + 1];
    for (int b = 0; b < inf; b++) positive[b] = value(b);
    positive[inf] = dtype == DType.FLOAT16 ? 0x1p16 : 0x1p128;  // where rounding reaches infinity
  }

  /** The pattern of +infinity: 0x7c00 or 0x7f80. */
  public int infinityBits() {
    return dtype == DType.FLOAT16 ? 0x7c00 : 0x7f80;
  }

  /** Whether the pattern is a NaN. */
  public boolean isNaN(int bits) {
    return (bits & 0x7fff) > infinityBits();
  }

  /** The exact value of a pattern (NaN for NaNs, +-infinity). */
  public double value(int bits) {
    int b = bits & 0xffff;
    int sign = b >> 15;
    int mag = b & 0x7fff;
    int mantBits = dtype == DType.FLOAT16 ? 10 : 7;
    int bias = dtype == DType.FLOAT16 ? 15 : 127;
    int exp = mag >> mantBits, mant = mag & ((1 << mantBits) - 1);
    double v;
    if (exp == (dtype == DType.FLOAT16 ? 31 : 255)) v = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    else if (exp == 0) v = Math.scalb((double) mant, 1 - bias - mantBits);
    else v = Math.scalb(1.0 + Math.scalb((double) mant, -mantBits), exp - bias);
    return sign == 1 ? -v : v;
  }

  /**
   * The pattern nearest to {@code x}, ties to the even pattern; NaN gives a NaN pattern. x is taken as given: a
   * float32 value passes exactly.
   */
  public int round(double x) {
    if (Double.isNaN(x)) return infinityBits() | 0x40;
    int sign = (Double.doubleToRawLongBits(x) < 0) ? 0x8000 : 0;
    double a = Math.abs(x);
    int inf = infinityBits();
    if (a >= positive[inf]) return sign | inf;
    int i = Arrays.binarySearch(positive, a);
    if (i >= 0) return sign | i;
    int hi = -i - 1, lo = hi - 1;  // positive[lo] < a < positive[hi]
    double dlo = a - positive[lo], dhi = positive[hi] - a;
    int pick = dlo < dhi ? lo : dhi < dlo ? hi : (lo % 2 == 0 ? lo : hi);
    return sign | pick;
  }

  /** PyTorch's rounding of a double: to float32 first, then to this type. */
  public int roundDouble(double x) {
    return round((float) x);
  }

  /** The distance between the representable neighbours around |x| (one unit in the last place there). */
  public double ulp(double x) {
    int b = round(Math.abs(x)) & 0x7fff;
    if (b >= infinityBits()) return Double.POSITIVE_INFINITY;
    return positive[b + 1] - positive[b];
  }
}
