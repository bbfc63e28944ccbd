package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.makeOrScalar;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Element-wise arithmetic: binary ops with NumPy broadcasting, scalar variants and unary math. */
class ElementwiseOpsTest {
  private static final double F32_RTOL = 1e-5, F32_ATOL = 1e-6;
  private static final double F64_RTOL = 1e-12, F64_ATOL = 1e-13;

  // ---- helpers ---------------------------------------------------------------------------------

  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? F64_RTOL : F32_RTOL;
  }

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? F64_ATOL : F32_ATOL;
  }

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

  /** Flat index into an operand of shape {@code s} for output multi-index {@code idx} (right-aligned). */
  static int operandIndex(long[] s, long[] idx) {
    int off = idx.length - s.length;
    int flat = 0;
    for (int d = 0; d < s.length; d++) {
      long c = s[d] == 1 ? 0 : idx[d + off];
      flat = (int) (flat * s[d] + c);
    }
    return flat;
  }

  /** Reference NumPy-broadcast binary op in double. */
  static double[] broadcastRef(double[] a, long[] sa, double[] b, long[] sb, DoubleBinaryOperator f) {
    long[] so = broadcastShape(sa, sb);
    int n = numel(so);
    double[] out = new double[n];
    long[] idx = new long[so.length];
    for (int i = 0; i < n; i++) {
      long rem = i;
      for (int d = so.length - 1; d >= 0; d--) {
        idx[d] = rem % so[d];
        rem /= so[d];
      }
      out[i] = f.applyAsDouble(a[operandIndex(sa, idx)], b[operandIndex(sb, idx)]);
    }
    return out;
  }

  enum Binary {
    ADD((a, b) -> a + b, Tensor::add),
    SUB((a, b) -> a - b, Tensor::sub),
    MUL((a, b) -> a * b, Tensor::mul),
    DIV((a, b) -> a / b, Tensor::div);

    final DoubleBinaryOperator ref;
    final BiFunction<Tensor, Tensor, Tensor> op;

    Binary(DoubleBinaryOperator ref, BiFunction<Tensor, Tensor, Tensor> op) {
      this.ref = ref;
      this.op = op;
    }
  }

  // ---- binary ops, same shape --------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Binary.class)
  void binarySameShapeForwardBothDtypes(Binary op) {
    Random r = new Random(11 + op.ordinal());
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      try (TensorScope s = new TensorScope()) {
        double[] a = representable(uniform(r, 12, -3, 3, false), dt);
        double[] b = representable(uniform(r, 12, 0.5, 2, true), dt); // away from 0 for div
        Tensor ta = makeOrScalar(a, dt, 3, 4), tb = makeOrScalar(b, dt, 3, 4);
        Tensor y = op.op.apply(ta, tb);
        assertArrayEquals(new long[] {3, 4}, y.shape());
        assertEquals(dt, y.dtype());
        assertAllClose(broadcastRef(a, new long[] {3, 4}, b, new long[] {3, 4}, op.ref), values(y),
            rtol(dt), atol(dt), op + " " + dt);
        // inputs are untouched
        assertArrayEquals(a, values(ta), 0.0);
        assertArrayEquals(b, values(tb), 0.0);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Binary.class)
  void binarySameShapeGradients(Binary op) {
    Random r = new Random(21 + op.ordinal());
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(uniform(r, 15, -3, 3, false), 3, 5);
      Tensor b = Tensor.of(uniform(r, 15, 0.5, 2, true), 3, 5);
      GradCheck.check(in -> op.op.apply(in[0], in[1]), a, b).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void largeTensorCoversAllParallelChunks() {
    // Enough elements to be split across threads; an odd count leaves a ragged last chunk.
    int n = 100_003;
    Random r = new Random(5);
    double[] a = representable(uniform(r, n, -2, 2, false), DType.FLOAT32);
    double[] b = representable(uniform(r, n, 0.5, 2, true), DType.FLOAT32);
    try (TensorScope s = new TensorScope()) {
      for (Binary op : Binary.values()) {
        Tensor y = op.op.apply(makeOrScalar(a, DType.FLOAT32, n), makeOrScalar(b, DType.FLOAT32, n));
        assertAllClose(broadcastRef(a, new long[] {n}, b, new long[] {n}, op.ref), values(y), F32_RTOL, F32_ATOL,
            op + " large");
      }
      Tensor e = makeOrScalar(a, DType.FLOAT32, n).exp();
      double[] ev = values(e);
      double[] ref = new double[n];
      for (int i = 0; i < n; i++) ref[i] = Math.exp(a[i]);
      assertAllClose(ref, ev, F32_RTOL, F32_ATOL, "exp large");
    }
  }

  // ---- broadcasting -----------------------------------------------------------------------------

  static Stream<Arguments> broadcastShapes() {
    return Stream.of(
        Arguments.of(new long[] {4, 3}, new long[] {3}),        // [N,C] + [C]   (bias row)
        Arguments.of(new long[] {3}, new long[] {4, 3}),        // [C] + [N,C]
        Arguments.of(new long[] {4, 1}, new long[] {4, 3}),     // [N,1] * [N,C] (per-row scale)
        Arguments.of(new long[] {4, 3}, new long[] {4, 1}),
        Arguments.of(new long[] {4, 3}, new long[] {1, 3}),
        Arguments.of(new long[] {4, 3}, new long[] {}),         // rank-0 scalar tensor
        Arguments.of(new long[] {}, new long[] {4, 3}),
        Arguments.of(new long[] {}, new long[] {}),
        Arguments.of(new long[] {4, 3}, new long[] {1}),        // one-element 1-D
        Arguments.of(new long[] {1, 1}, new long[] {2, 5}),
        Arguments.of(new long[] {2, 1, 3}, new long[] {4, 1}),  // rank-3 general: [2,4,3]
        Arguments.of(new long[] {4, 1}, new long[] {2, 1, 3}),
        Arguments.of(new long[] {2, 3, 1}, new long[] {1, 3, 5}),
        Arguments.of(new long[] {3, 1, 5}, new long[] {2, 1}),
        Arguments.of(new long[] {1, 4}, new long[] {3, 1}),     // both sides broadcast
        Arguments.of(new long[] {3}, new long[] {2, 1}),
        Arguments.of(new long[] {1, 7}, new long[] {1, 7}));    // batch 1, odd size
  }

  @ParameterizedTest
  @MethodSource("broadcastShapes")
  void broadcastForwardMatchesReference(long[] sa, long[] sb) {
    Random r = new Random(Arrays.hashCode(sa) * 31L + Arrays.hashCode(sb));
    long[] so = broadcastShape(sa, sb);
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (Binary op : Binary.values()) {
        try (TensorScope s = new TensorScope()) {
          double[] a = representable(uniform(r, numel(sa), -3, 3, false), dt);
          double[] b = representable(uniform(r, numel(sb), 0.5, 2, true), dt);
          Tensor y = op.op.apply(makeOrScalar(a, dt, sa), makeOrScalar(b, dt, sb));
          String what = op + " " + Arrays.toString(sa) + " with " + Arrays.toString(sb) + " " + dt;
          assertArrayEquals(so, y.shape(), what + ": shape");
          assertAllClose(broadcastRef(a, sa, b, sb, op.ref), values(y), rtol(dt), atol(dt), what);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("broadcastShapes")
  void broadcastGradientsSumOverBroadcastDims(long[] sa, long[] sb) {
    Random r = new Random(Arrays.hashCode(sa) * 17L + Arrays.hashCode(sb));
    for (Binary op : Binary.values()) {
      try (TensorScope s = new TensorScope()) {
        Tensor a = makeOrScalar(uniform(r, numel(sa), -3, 3, false), DType.FLOAT64, sa);
        Tensor b = makeOrScalar(uniform(r, numel(sb), 0.5, 2, true), DType.FLOAT64, sb);
        GradCheck.Result res = GradCheck.check(in -> op.op.apply(in[0], in[1]), a, b);
        assertTrue(res.within(1e-6, 1e-5), op + " " + Arrays.toString(sa) + " with " + Arrays.toString(sb) + ": " + res);
        assertEquals(numel(sa) + numel(sb), res.elementsChecked);
      }
    }
  }

  @Test
  void broadcastGradientOfBiasRowIsColumnSumExactly() {
    // d/db sum((x + b) * w) over [N, C] is the column sum of w.
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
      Tensor b = Tensor.of(new double[] {0.5, -1, 2}).requiresGrad(true);
      Tensor w = Tensor.of(new double[] {1, 10, 100, 2, 20, 200}, 2, 3);
      x.add(b).mul(w).sum().backward();
      assertArrayEquals(new double[] {3, 30, 300}, b.grad().toDoubleArray(), 0.0);
      assertArrayEquals(new long[] {3}, b.grad().shape());
      assertEquals(null, x.grad(), "x does not require a gradient");
    }
  }

  @Test
  void scalarTensorGradientIsTotalSum() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
      Tensor c = Tensor.scalar(3.0, DType.FLOAT64).requiresGrad(true);
      x.mul(c).sum().backward();
      assertEquals(0, c.grad().rank());
      assertEquals(21.0, c.grad().item(), 0.0);
    }
  }

  @Test
  void incompatibleShapesAndDtypesAreRejected() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.zeros(4, 3);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(4)));
      assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[4]"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> a.mul(Tensor.zeros(2, 1, 2)));
      assertThrows(IllegalArgumentException.class, () -> a.sub(Tensor.zeros(DType.FLOAT64, 4, 3)));
      assertThrows(IllegalArgumentException.class, () -> Tensor.ofInts(new int[] {1, 2}).add(Tensor.ofInts(new int[] {1, 2})));
    }
  }

  @Test
  void tensorUsedTwiceAccumulatesBothGradients() {
    try (TensorScope s = new TensorScope()) {
      double[] v = {-1.5, 0.25, 2};
      Tensor x = Tensor.of(v).requiresGrad(true);
      x.mul(x).add(x).sum().backward(); // d/dx (x^2 + x) = 2x + 1
      assertArrayEquals(new double[] {-2, 1.5, 5}, x.grad().toDoubleArray(), 1e-15);
    }
  }

  // ---- scalar variants ---------------------------------------------------------------------------

  enum ScalarOp {
    ADD((x, c) -> x + c, Tensor::add),
    SUB((x, c) -> x - c, Tensor::sub),
    MUL((x, c) -> x * c, Tensor::mul),
    DIV((x, c) -> x / c, Tensor::div);

    final DoubleBinaryOperator ref;
    final BiFunction<Tensor, Double, Tensor> op;

    ScalarOp(DoubleBinaryOperator ref, BiFunction<Tensor, Double, Tensor> op) {
      this.ref = ref;
      this.op = op;
    }
  }

  @ParameterizedTest
  @EnumSource(ScalarOp.class)
  void scalarVariantsForwardAndGradient(ScalarOp op) {
    Random r = new Random(31 + op.ordinal());
    for (double c : new double[] {2.5, -0.75, 3.0, 1e-3}) {
      for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, 10, -3, 3, false), dt);
          Tensor y = op.op.apply(makeOrScalar(x, dt, 2, 5), c);
          assertArrayEquals(new long[] {2, 5}, y.shape());
          double[] ref = new double[x.length];
          for (int i = 0; i < x.length; i++) ref[i] = op.ref.applyAsDouble(x[i], c);
          assertAllClose(ref, values(y), rtol(dt), atol(dt), op + "(" + c + ") " + dt);
        }
      }
      try (TensorScope s = new TensorScope()) {
        Tensor x = Tensor.of(uniform(r, 6, -3, 3, false), 2, 3);
        GradCheck.check(in -> op.op.apply(in[0], c), x).assertWithin(1e-6, 1e-5);
      }
    }
  }

  @Test
  void scalarVariantGradientsExact() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, -2, 3}).requiresGrad(true);
      x.mul(4.0).add(x.div(2.0)).sub(7.0).add(1.0).sum().backward(); // d/dx (4x + x/2 - 6) = 4.5
      assertArrayEquals(new double[] {4.5, 4.5, 4.5}, x.grad().toDoubleArray(), 1e-15);
    }
  }

  // ---- unary math --------------------------------------------------------------------------------

  enum Unary {
    NEG(x -> -x, Tensor::neg, -3, 3, false),
    EXP(Math::exp, Tensor::exp, -4, 4, false),
    LOG(Math::log, Tensor::log, 0.05, 5, false),
    SQRT(Math::sqrt, Tensor::sqrt, 0.05, 5, false),
    ABS(Math::abs, Tensor::abs, 0.05, 3, true),
    SQUARE(x -> x * x, Tensor::square, -3, 3, false),
    RECIPROCAL(x -> 1 / x, Tensor::reciprocal, 0.2, 3, true);

    final DoubleUnaryOperator ref;
    final Function<Tensor, Tensor> op;
    final double lo, hi;
    final boolean signed;

    Unary(DoubleUnaryOperator ref, Function<Tensor, Tensor> op, double lo, double hi, boolean signed) {
      this.ref = ref;
      this.op = op;
      this.lo = lo;
      this.hi = hi;
      this.signed = signed;
    }
  }

  @ParameterizedTest
  @EnumSource(Unary.class)
  void unaryForwardBothDtypes(Unary u) {
    Random r = new Random(41 + u.ordinal());
    for (long[] shape : List.of(new long[] {3, 7}, new long[] {1, 1}, new long[] {}, new long[] {2, 3, 5})) {
      for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, numel(shape), u.lo, u.hi, u.signed), dt);
          Tensor y = u.op.apply(makeOrScalar(x, dt, shape));
          assertArrayEquals(shape, y.shape());
          assertEquals(dt, y.dtype());
          double[] ref = new double[x.length];
          for (int i = 0; i < x.length; i++) ref[i] = u.ref.applyAsDouble(x[i]);
          assertAllClose(ref, values(y), rtol(dt), atol(dt), u + " " + dt + " " + Arrays.toString(shape));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Unary.class)
  void unaryGradients(Unary u) {
    Random r = new Random(51 + u.ordinal());
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(uniform(r, 12, Math.max(u.lo, 0.2), u.hi, u.signed || u.lo < 0), 3, 4);
      GradCheck.check(in -> u.op.apply(in[0]), x).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void absGradientAtZeroIsZeroAsInPyTorch() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {-2, 0, 3}).requiresGrad(true);
      x.abs().sum().backward();
      assertArrayEquals(new double[] {-1, 0, 1}, x.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void unaryOpsRejectIntegerTensors() {
    try (TensorScope s = new TensorScope()) {
      Tensor i = Tensor.ofInts(new int[] {1, 2, 3});
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, i::exp);
      assertTrue(e.getMessage().contains("exp") && e.getMessage().contains("int32"), e.getMessage());
    }
  }

  // ---- pow ---------------------------------------------------------------------------------------

  @Test
  void powForwardAndGradientForSeveralExponents() {
    Random r = new Random(61);
    for (double p : new double[] {2, 3, 0.5, -1.5, 1, 0, 2.7}) {
      for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        try (TensorScope s = new TensorScope()) {
          double[] x = representable(uniform(r, 9, 0.2, 3, false), dt);
          Tensor y = makeOrScalar(x, dt, 3, 3).pow(p);
          double[] ref = new double[x.length];
          for (int i = 0; i < x.length; i++) ref[i] = Math.pow(x[i], p);
          assertAllClose(ref, values(y), rtol(dt), atol(dt), "pow(" + p + ") " + dt);
        }
      }
      try (TensorScope s = new TensorScope()) {
        Tensor x = Tensor.of(uniform(r, 6, 0.2, 3, false), 2, 3);
        GradCheck.check(in -> in[0].pow(p), x).assertWithin(1e-6, 1e-5);
      }
    }
  }

  @Test
  void powWithIntegerExponentOfNegativeBase() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {-2, -0.5, 1.5});
      assertArrayEquals(new double[] {-8, -0.125, 3.375}, x.pow(3).toDoubleArray(), 1e-15);
      Tensor x2 = Tensor.of(new double[] {-2, -0.5, 1.5});
      GradCheck.check(in -> in[0].pow(2), x2).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void powZeroGradientIsZeroEvenAtZero() {
    // PyTorch: d/dx x^0 = 0 everywhere (pow_backward returns zeros for exponent 0), including x = 0.
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0, 2}).requiresGrad(true);
      Tensor y = x.pow(0);
      assertArrayEquals(new double[] {1, 1}, y.toDoubleArray(), 0.0);
      y.sum().backward();
      assertArrayEquals(new double[] {0, 0}, x.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void addInPlaceAdvancesIntegerCountersOnTheirDeviceAndWraps() {
    try (Tensor longs = Tensor.ofLongs(new long[] {0, -7, Long.MAX_VALUE}, 3);
        Tensor ints = Tensor.ofInts(new int[] {41, Integer.MAX_VALUE}, 2);
        Tensor floats = Tensor.zeros(2)) {
      assertArrayEquals(new long[] {5, -2, Long.MIN_VALUE + 4}, longs.addInPlace(5).toLongArray());
      assertArrayEquals(new long[] {2, -5, Long.MIN_VALUE + 1}, longs.addInPlace(-3).toLongArray());
      assertArrayEquals(new int[] {42, Integer.MIN_VALUE}, ints.addInPlace(1).toIntArray());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> floats.addInPlace(1));
      assertTrue(e.getMessage().contains("float32"), e.getMessage());
    }
  }
}
