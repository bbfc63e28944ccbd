package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.testing.HalfRef;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * float16 and bfloat16 conversions on every device against HalfRef (the formats' definitions): widening of all 65,536
 * patterns is exact; rounding from float32 is to nearest, ties to even, over every pattern's value, every tie between
 * neighbours and the floats just beside it, the overflow and underflow thresholds, and random floats of every
 * exponent; NaN stays NaN, -0 stays -0; float64 rounds through float32 (PyTorch's two roundings); int types through
 * float32 as well.
 */
class HalfConversionTest {
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void widensEveryPatternExactly(TestDevice device, DType dtype) {
    HalfRef ref = HalfRef.of(dtype);
    short[] all = new short[65536];
    for (int b = 0; b < all.length; b++) all[b] = (short) b;
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Tensor h = Tensor.ofHalfBits(dtype, all);
      assertArrayEquals(all, h.toHalfBits(), "the patterns go in and come out unchanged");
      float[] wide = h.to(DType.FLOAT32).toFloatArray();
      for (int b = 0; b < all.length; b++) {
        double want = ref.value(b);
        if (Double.isNaN(want)) {
          assertTrue(Float.isNaN(wide[b]), dtype + " pattern " + Integer.toHexString(b) + " is a NaN");
        } else {
          assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(wide[b]),
              dtype + " pattern " + Integer.toHexString(b) + " = " + want + ", got " + wide[b]);
        }
      }
      assertEquals((float) ref.value(0x3c01 & 0xffff), (float) Tensor.ofHalfBits(dtype, new short[] {0x3c01})
          .getDouble(0), "getDouble decodes the pattern");
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void roundsFloat32ToNearestEven(TestDevice device, DType dtype) {
    HalfRef ref = HalfRef.of(dtype);
    float[] x = probes(ref);
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      short[] got = Tensor.of(x).to(dtype).toHalfBits();
      int ties = 0;
      for (int i = 0; i < x.length; i++) {
        int want = ref.round(x[i]);
        String what = dtype + " of " + x[i] + " (float bits " + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ")";
        if (ref.isNaN(want)) {
          assertTrue(ref.isNaN(got[i] & 0xffff), what + ": NaN stays NaN, got " + Integer.toHexString(got[i] & 0xffff));
        } else {
          assertEquals(Integer.toHexString(want), Integer.toHexString(got[i] & 0xffff), what);
        }
        double v = ref.value(want);
        if (!Double.isNaN(v) && !Double.isInfinite(v) && Math.abs(x[i] - v) == ref.ulp(x[i]) / 2) ties++;
      }
      assertTrue(ties > 1000, "the probes include exact ties: " + ties);
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void float64AndIntegersConvertThroughFloat32(TestDevice device, DType dtype) {
    HalfRef ref = HalfRef.of(dtype);
    int mant = dtype == DType.FLOAT16 ? 10 : 7;
    // 1 + half an ulp + a little: float64 is above the tie, float32 drops the little and lands on the tie, which goes
    // to the even 1.0. PyTorch converts the same way (c10::Half and c10::BFloat16 take a float).
    double above = 1 + Math.scalb(1.0, -mant - 1) + 0x1p-40;
    double[] d = {above, -above, 1e300, -1e-300, Double.NaN, 0.1, 65519.0, 1.0 / 3};
    long[] ints = {0, 1, -1, 257, 1025, 65505, 1L << 40, -(1L << 24) - 1};
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      short[] got = Tensor.of(d).to(dtype).toHalfBits();
      assertEquals(1.0, ref.value(got[0] & 0xffff), "1 + tie + 2^-40 rounds to 1.0");
      for (int i = 0; i < d.length; i++) {
        int want = ref.roundDouble(d[i]);
        if (ref.isNaN(want)) assertTrue(ref.isNaN(got[i] & 0xffff), "NaN");
        else assertEquals(Integer.toHexString(want), Integer.toHexString(got[i] & 0xffff), dtype + " of double " + d[i]);
      }
      short[] fromInts = Tensor.ofLongs(ints).to(dtype).toHalfBits();
      for (int i = 0; i < ints.length; i++) {
        assertEquals(Integer.toHexString(ref.round((float) ints[i])), Integer.toHexString(fromInts[i] & 0xffff),
            dtype + " of int64 " + ints[i]);
      }
      long[] back = Tensor.ofHalfBits(dtype, new short[] {(short) ref.round(-2.5), (short) ref.round(300)})
          .to(DType.INT64).toLongArray();
      assertArrayEquals(new long[] {-2, 300}, back, "to an integer type truncates toward zero, as from float32");
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void opsThatComputeOnlyInFloat32or64RefuseNamingTheFix(TestDevice device, DType dtype) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(dtype);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.matmul(a));
      assertTrue(e.getMessage().contains(dtype.toString()) && e.getMessage().contains(".to(DType.FLOAT32)"),
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> a.softmax());
      assertTrue(e.getMessage().contains(".to(DType.FLOAT32)"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> a.toDoubleArray());
    }
  }

  /** Every pattern's value, every midpoint between neighbours and the floats beside it, thresholds, random floats. */
  private static float[] probes(HalfRef ref) {
    List<Float> v = new ArrayList<>();
    int inf = ref.infinityBits();
    for (int b = 0; b < inf; b++) {
      double lo = ref.value(b), hi = ref.value(b + 1);
      float mid = (float) ((lo + hi) / 2);  // exact in float32 for both formats except where hi is infinity's stand-in
      for (float f : new float[] {(float) lo, mid, Math.nextDown(mid), Math.nextUp(mid)}) {
        v.add(f);
        v.add(-f);
      }
    }
    float[] edges = {65504f, 65519.996f, 65520f, 65536f, 0x1p-24f, 0x1p-25f, Math.nextUp(0x1p-25f), 3 * 0x1p-26f,
        0x1p-14f, Float.MIN_VALUE, Float.MAX_VALUE, 3.3895314e38f, 3.3961776e38f, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc01234), Float.intBitsToFloat(0x7f800001), -0f, 0f};
    for (float f : edges) v.add(f);
    Random r = new Random(7);
    for (int i = 0; i < 20000; i++) v.add(Float.intBitsToFloat(r.nextInt()));
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) out[i] = v.get(i);
    return out;
  }
}
