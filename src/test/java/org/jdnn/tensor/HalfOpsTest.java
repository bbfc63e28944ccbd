package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.jdnn.testing.HalfRef;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The element-wise ops and reductions on float16 and bfloat16, on every device: computed in float32 from the widened
 * inputs and rounded once (PyTorch's semantics for these types). +, -, *, / are IEEE operations, so float32 arithmetic
 * in Java then HalfRef's rounding must give the same patterns bit for bit; transcendental functions may differ by a
 * float32 ulp between libraries, so after rounding they are allowed one unit of the 16-bit type; sums are compared
 * with the float64 sum rounded once, within one unit. Gradients flow in the tensor's type.
 */
class HalfOpsTest {
  private static final int ROWS = 37, COLS = 29;

  /** Values already representable in the type, spread over several binades, both signs, a few zeros. */
  private static float[] draw(HalfRef ref, Random r, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) ref.value(ref.round((r.nextDouble() * 2 - 1) * scale));
    return v;
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void arithmeticIsFloat32RoundedOnceBitForBit(TestDevice device, DType dtype) {
    HalfRef ref = HalfRef.of(dtype);
    Random r = new Random(dtype.ordinal());
    float[] a = draw(ref, r, ROWS * COLS, 8), b = draw(ref, r, ROWS * COLS, 3), row = draw(ref, r, COLS, 5);
    b[3] = 0;  // x / 0 = +-inf, 0 / 0 = NaN
    a[4] = 0;
    b[4] = 0;
    List<Object[]> ops = List.of(
        new Object[] {"add", (BinaryOperator<Tensor>) Tensor::add, (BinaryOperator<Float>) Float::sum},
        new Object[] {"sub", (BinaryOperator<Tensor>) Tensor::sub, (BinaryOperator<Float>) (x, y) -> x - y},
        new Object[] {"mul", (BinaryOperator<Tensor>) Tensor::mul, (BinaryOperator<Float>) (x, y) -> x * y},
        new Object[] {"div", (BinaryOperator<Tensor>) Tensor::div, (BinaryOperator<Float>) (x, y) -> x / y});
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Tensor ta = Tensor.of(a, ROWS, COLS).to(dtype), tb = Tensor.of(b, ROWS, COLS).to(dtype);
      Tensor trow = Tensor.of(row, COLS).to(dtype);
      for (Object[] op : ops) {
        @SuppressWarnings("unchecked") BinaryOperator<Tensor> f = (BinaryOperator<Tensor>) op[1];
        @SuppressWarnings("unchecked") BinaryOperator<Float> g = (BinaryOperator<Float>) op[2];
        Tensor same = f.apply(ta, tb), broadcast = f.apply(ta, trow);
        assertSame(dtype, same.dtype());
        short[] got = same.toHalfBits(), gotB = broadcast.toHalfBits();
        for (int i = 0; i < a.length; i++) {
          assertBits(ref, ref.round(g.apply(a[i], b[i])), got[i], op[0] + " at " + i + ": " + a[i] + ", " + b[i]);
          assertBits(ref, ref.round(g.apply(a[i], row[i % COLS])), gotB[i], op[0] + " broadcast at " + i);
        }
      }
      short[] scaled = ta.mul(0.1).toHalfBits();
      for (int i = 0; i < a.length; i++) assertBits(ref, ref.round(a[i] * 0.1f), scaled[i], "mul(0.1) at " + i);
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void functionsAreWithinOneUnitOfTheRoundedFloat64Value(TestDevice device, DType dtype) {
    HalfRef ref = HalfRef.of(dtype);
    float[] a = draw(ref, new Random(3), ROWS * COLS, 4);
    a[7] = Float.NaN;
    List<Object[]> ops = List.of(
        new Object[] {"exp", (UnaryOperator<Tensor>) Tensor::exp, (DoubleUnaryOperator) Math::exp},
        new Object[] {"tanh", (UnaryOperator<Tensor>) Tensor::tanh, (DoubleUnaryOperator) Math::tanh},
        new Object[] {"sigmoid", (UnaryOperator<Tensor>) Tensor::sigmoid, (DoubleUnaryOperator) v -> 1 / (1 + Math.exp(-v))},
        new Object[] {"relu", (UnaryOperator<Tensor>) Tensor::relu, (DoubleUnaryOperator) v -> v <= 0 ? 0 : v},
        new Object[] {"neg", (UnaryOperator<Tensor>) Tensor::neg, (DoubleUnaryOperator) v -> -v});
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Tensor t = Tensor.of(a).to(dtype);
      for (Object[] op : ops) {
        @SuppressWarnings("unchecked") UnaryOperator<Tensor> f = (UnaryOperator<Tensor>) op[1];
        DoubleUnaryOperator g = (DoubleUnaryOperator) op[2];
        short[] got = f.apply(t).toHalfBits();
        for (int i = 0; i < a.length; i++) {
          double want = g.applyAsDouble(a[i]);
          String what = op[0] + "(" + a[i] + ") in " + dtype;
          if (Double.isNaN(want)) {
            assertTrue(ref.isNaN(got[i] & 0xffff), what + " is NaN");
            continue;
          }
          double v = ref.value(got[i] & 0xffff);
          assertTrue(Math.abs(v - want) <= ref.ulp(want), what + " = " + want + ", got " + v);
        }
      }
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void sumsAccumulateInFloat32AndRoundOnce(TestDevice device, DType dtype) {
    HalfRef ref = HalfRef.of(dtype);
    // 4096 values of 1 + small: a 16-bit accumulator would stall at 2048 (float16) or 256 (bfloat16); float32 does not.
    int n = 4096;
    float[] ones = new float[n];
    java.util.Arrays.fill(ones, 1f);
    float[] a = draw(ref, new Random(11), ROWS * COLS, 2);
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      assertEquals(4096.0, Tensor.of(ones).to(dtype).sum().to(DType.FLOAT32).item(), "sum of 4096 ones");
      Tensor t = Tensor.of(a, ROWS, COLS).to(dtype);
      Tensor rows = t.sum(1, false);
      assertSame(dtype, rows.dtype());
      short[] got = rows.toHalfBits();
      for (int i = 0; i < ROWS; i++) {
        double want = 0;
        for (int j = 0; j < COLS; j++) want += a[i * COLS + j];
        double v = ref.value(got[i] & 0xffff);
        assertTrue(Math.abs(v - want) <= ref.ulp(want), "row " + i + " sum " + want + ", got " + v);
      }
      double total = 0;
      for (float v : a) total += v;
      double mean = ref.value(t.mean().toHalfBits()[0] & 0xffff);
      assertTrue(Math.abs(mean - total / a.length) <= ref.ulp(total / a.length), "mean, one rounding: " + mean);
      long[] arg = t.argmax().toLongArray();
      for (int i = 0; i < ROWS; i++) {
        int best = 0;
        for (int j = 1; j < COLS; j++) if (a[i * COLS + j] > a[i * COLS + best]) best = j;
        assertEquals(best, arg[i], "argmax of row " + i);
      }
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void gradientsFlowInTheTensorsType(TestDevice device, DType dtype) {
    HalfRef ref = HalfRef.of(dtype);
    float[] a = draw(ref, new Random(5), 64, 3);
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(a).to(dtype).requiresGrad(true);
      x.mul(x).tanh().sum().backward();  // d/dx tanh(x^2) = 2x (1 - tanh(x^2)^2)
      assertSame(dtype, x.grad().dtype());
      float[] got = x.grad().toFloatArray();
      for (int i = 0; i < a.length; i++) {
        double t = Math.tanh((double) a[i] * a[i]);
        double want = 2 * a[i] * (1 - t * t);
        // three roundings to the 16-bit type on the way (x^2, tanh, the product chain): a few units
        assertTrue(Math.abs(got[i] - want) <= 4 * ref.ulp(want) + 4 * ref.ulp(1) * Math.abs(2 * a[i]),
            "d tanh(x^2)/dx at " + a[i] + " = " + want + ", got " + got[i]);
      }
      Tensor back = Tensor.of(a).requiresGrad(true);
      back.to(dtype).sum().backward();
      assertSame(DType.FLOAT32, back.grad().dtype(), "a gradient through to(" + dtype + ") arrives as float32");
      float[] ones = back.grad().toFloatArray();
      float[] want = new float[a.length];
      java.util.Arrays.fill(want, 1f);
      assertArrayEquals(want, ones, 0f);
    }
  }

  private static void assertBits(HalfRef ref, int want, short got, String what) {
    int g = got & 0xffff;
    if (ref.isNaN(want)) assertTrue(ref.isNaN(g), what + ": NaN, got " + Integer.toHexString(g));
    else assertEquals(Integer.toHexString(want), Integer.toHexString(g), what + " = " + ref.value(want));
  }
}
