package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import org.jdnn.testing.EveryDevice;
import org.jdnn.testing.HalfRef;
import org.jdnn.testing.SettledMemory;
import org.junit.jupiter.api.Test;

/**
 * Mixed dtypes in the element-wise arithmetic, comparisons, where, cat and stack: PyTorch's type promotion
 * (torch.promote_types, torch.result_type) decides the result's dtype, the op computes on the operands converted to it,
 * and each operand's gradient comes back in its own dtype. Before promotion these ops refused mixed dtypes.
 */
@EveryDevice
class TypePromotionTest {
  private static final DType U8 = DType.UINT8, I32 = DType.INT32, I64 = DType.INT64, F16 = DType.FLOAT16,
      BF16 = DType.BFLOAT16, F32 = DType.FLOAT32, F64 = DType.FLOAT64;

  /** torch.promote_types over jdnn's dtypes, written out from PyTorch's table (row and column in this order). */
  @Test
  void promoteIsPyTorchsPromoteTypes() {
    DType[] order = {U8, I32, I64, F16, BF16, F32, F64};
    DType[][] expected = {
        {U8, I32, I64, F16, BF16, F32, F64},
        {I32, I32, I64, F16, BF16, F32, F64},
        {I64, I64, I64, F16, BF16, F32, F64},
        {F16, F16, F16, F16, F32, F32, F64},
        {BF16, BF16, BF16, F32, BF16, F32, F64},
        {F32, F32, F32, F32, F32, F32, F64},
        {F64, F64, F64, F64, F64, F64, F64}};
    for (int i = 0; i < order.length; i++) {
      for (int j = 0; j < order.length; j++) {
        assertSame(expected[i][j], DType.promote(order[i], order[j]), order[i] + " with " + order[j]);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> DType.promote(F32, null));
  }

  /** A zero-dimensional operand decides the type only when its kind is higher (torch.result_type's examples). */
  @Test
  void zeroDimensionalOperandsCountOnlyWhenOfAHigherKind() {
    try (TensorScope s = new TensorScope()) {
      Tensor bf16Vector = Tensor.zeros(3).to(BF16), int32Vector = Tensor.ofInts(new int[] {1, 2, 3}, 3);
      assertSame(BF16, TypePromotion.resultType(bf16Vector, Tensor.scalar(0.5)));  // a float32 scalar tensor
      assertSame(BF16, TypePromotion.resultType(bf16Vector, Tensor.scalar(0.5, F64)));
      assertSame(F32, TypePromotion.resultType(int32Vector, Tensor.scalar(0.5)));  // higher kind: it counts
      assertSame(I32, TypePromotion.resultType(int32Vector, Tensor.scalar(7, I64)));  // same kind: it does not
      assertSame(F32, TypePromotion.resultType(Tensor.scalar(1, F16), Tensor.scalar(1, BF16)));  // only scalars
      assertSame(F64, TypePromotion.resultType(bf16Vector, Tensor.zeros(F64, 3)));
      // and the ops follow it
      assertSame(BF16, bf16Vector.mul(Tensor.scalar(0.5)).dtype());
      assertSame(F32, int32Vector.mul(Tensor.scalar(0.5)).dtype());
      assertSame(F32, Tensor.scalar(0.5).add(int32Vector).dtype());
    }
  }

  /**
   * bfloat16 (or float16) against float32, broadcast: float32 results equal to float32 arithmetic on the widened
   * 16-bit values, bit for bit (the widening is exact). Before promotion: "dtypes differ".
   */
  @Test
  void sixteenBitWithFloat32ComputesInFloat32() {
    for (DType half : new DType[] {BF16, F16}) {
      HalfRef ref = HalfRef.of(half);
      Random r = new Random(half.ordinal());
      int rows = 7, cols = 5;
      float[] a = new float[rows * cols], b = new float[cols];
      for (int i = 0; i < a.length; i++) a[i] = (float) ref.value(ref.round(r.nextGaussian() * 3));
      for (int i = 0; i < b.length; i++) b[i] = (float) (r.nextGaussian() + 0.1);
      List<Object[]> ops = List.of(
          new Object[] {"add", (BinaryOperator<Tensor>) Tensor::add, (DoubleBinaryOperator) (x, y) -> (float) x + (float) y},
          new Object[] {"sub", (BinaryOperator<Tensor>) Tensor::sub, (DoubleBinaryOperator) (x, y) -> (float) x - (float) y},
          new Object[] {"mul", (BinaryOperator<Tensor>) Tensor::mul, (DoubleBinaryOperator) (x, y) -> (float) x * (float) y},
          new Object[] {"div", (BinaryOperator<Tensor>) Tensor::div, (DoubleBinaryOperator) (x, y) -> (float) x / (float) y});
      try (TensorScope s = new TensorScope()) {
        Tensor ta = Tensor.of(a, rows, cols).to(half), tb = Tensor.of(b, cols);
        for (Object[] op : ops) {
          @SuppressWarnings("unchecked") BinaryOperator<Tensor> f = (BinaryOperator<Tensor>) op[1];
          DoubleBinaryOperator g = (DoubleBinaryOperator) op[2];
          for (boolean halfFirst : new boolean[] {true, false}) {
            Tensor out = halfFirst ? f.apply(ta, tb) : f.apply(tb.reshape(1, cols), ta);
            assertSame(F32, out.dtype(), op[0] + " " + half);
            assertArrayEquals(new long[] {rows, cols}, out.shape());
            float[] got = out.toFloatArray();
            for (int i = 0; i < a.length; i++) {
              float want = (float) (halfFirst ? g.applyAsDouble(a[i], b[i % cols]) : g.applyAsDouble(b[i % cols], a[i]));
              assertEquals(want, got[i], 0f, op[0] + " " + half + (halfFirst ? "" : " reversed") + " at " + i);
            }
          }
        }
        // pow: C's powf on the widened values, within a float32 unit or two
        float[] pw = ta.abs().pow(tb).toFloatArray();
        for (int i = 0; i < a.length; i++) {
          double want = Math.pow(Math.abs(a[i]), b[i % cols]);
          assertEquals(want, pw[i], 3 * Math.ulp((float) want), "pow " + half + " at " + i);
        }
      }
    }
  }

  /** float32 with float64: float64 results on the exactly widened float32 values. */
  @Test
  void float32WithFloat64ComputesInFloat64() {
    try (TensorScope s = new TensorScope()) {
      float[] a = {1.1f, -2.25f, 3e-8f, 7f};
      double[] b = {0.1, 3, -1e-9, 1.0 / 3};
      Tensor out = Tensor.of(a, 4).div(Tensor.of(b, 4));
      assertSame(F64, out.dtype());
      double[] got = out.toDoubleArray();
      for (int i = 0; i < 4; i++) assertEquals((double) a[i] / b[i], got[i], 0.0, "at " + i);
    }
  }

  /** A scalar tensor of a wider float type meets a 16-bit vector in the vector's type (values exact in both). */
  @Test
  void aFloat32ScalarTensorKeepsABfloat16VectorInBfloat16() {
    HalfRef ref = HalfRef.of(BF16);
    try (TensorScope s = new TensorScope()) {
      float[] a = {1.5f, -3f, 0.0078125f, 100f, 257f};
      Tensor out = Tensor.of(a, 5).to(BF16).mul(Tensor.scalar(0.375));
      assertSame(BF16, out.dtype());
      short[] got = out.toHalfBits();
      for (int i = 0; i < a.length; i++) {
        double want = ref.value(ref.round(ref.value(ref.round(a[i])) * 0.375));
        assertEquals(want, ref.value(got[i] & 0xffff), 0.0, "at " + i);
      }
    }
  }

  /**
   * The gradients come back in each operand's dtype: for c = a * b with a bfloat16 (2, 3) and b float32 (3), dc/da = b
   * rounded to bfloat16 and dc/db = the column sums of a, in float32.
   */
  @Test
  void eachGradientComesBackInItsOperandsDType() {
    HalfRef ref = HalfRef.of(BF16);
    try (TensorScope s = new TensorScope()) {
      float[] av = {1.5f, -2f, 0.25f, 3f, 0.5f, -1f};
      float[] bv = {0.1f, -7.3f, 2f};
      Tensor a = Tensor.of(av, 2, 3).to(BF16).requiresGrad(true);
      Tensor b = Tensor.of(bv, 3).requiresGrad(true);
      a.mul(b).sum().backward();
      assertSame(BF16, a.grad().dtype());
      assertSame(F32, b.grad().dtype());
      short[] ga = a.grad().toHalfBits();
      float[] gb = b.grad().toFloatArray();
      for (int i = 0; i < 6; i++) assertEquals(ref.value(ref.round(bv[i % 3])), ref.value(ga[i] & 0xffff), 0.0, "da " + i);
      for (int j = 0; j < 3; j++) assertEquals(av[j] + av[j + 3], gb[j], 0f, "db " + j);

      // division, float32 by float64: da = 1/b in float32, db = -a/b^2 in float64
      Tensor x = Tensor.of(new float[] {3f, -1.5f}, 2).requiresGrad(true);
      Tensor y = Tensor.of(new double[] {0.3, 4}, 2).requiresGrad(true);
      x.div(y).sum().backward();
      assertSame(F32, x.grad().dtype());
      assertSame(F64, y.grad().dtype());
      assertArrayEquals(new float[] {(float) (1 / 0.3), 0.25f}, x.grad().toFloatArray(), 0f);
      assertArrayEquals(new double[] {-3.0 / 0.09, 1.5 / 16}, y.grad().toDoubleArray(), 1e-15);
    }
  }

  /** Comparisons across dtypes compare the promoted values: int32 against float32, bfloat16 against float32. */
  @Test
  void comparisonsPromote() {
    try (TensorScope s = new TensorScope()) {
      Tensor ints = Tensor.ofInts(new int[] {1, 2, 3}, 3), floats = Tensor.of(new float[] {1.5f, 2f, 2.5f}, 3);
      assertArrayEquals(new byte[] {1, 0, 0}, ints.lt(floats).toByteArray());
      assertArrayEquals(new byte[] {0, 1, 0}, ints.eq(floats).toByteArray());
      assertArrayEquals(new byte[] {0, 0, 1}, floats.lt(ints).toByteArray());
      Tensor halves = Tensor.of(new float[] {1f, 2f, 3f}, 3).to(BF16);
      Tensor near = Tensor.of(new float[] {1.001f, 2f, 2.999f}, 3);  // 1.001 and 2.999 are no bfloat16 values
      assertArrayEquals(new byte[] {1, 0, 0}, halves.lt(near).toByteArray());
      assertArrayEquals(new byte[] {0, 1, 0}, halves.eq(near).toByteArray());
      assertArrayEquals(new byte[] {1, 0, 1}, halves.ne(near).toByteArray());
    }
  }

  /** where, cat and stack give the promoted type and send each input's gradient back in its dtype. */
  @Test
  void whereCatAndStackPromote() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new float[] {1.5f, 2.5f}, 2).to(BF16).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {-1, -2}, 2).requiresGrad(true);
      Tensor w = Tensor.where(Tensor.ofBytes(new byte[] {1, 0}, 2), a, b);
      assertSame(F64, w.dtype());
      assertArrayEquals(new double[] {1.5, -2}, w.toDoubleArray(), 0.0);
      Tensor c = Tensor.cat(0, a, b);
      assertSame(F64, c.dtype());
      assertArrayEquals(new double[] {1.5, 2.5, -1, -2}, c.toDoubleArray(), 0.0);
      Tensor st = Tensor.stack(0, a, b);
      assertSame(F64, st.dtype());
      assertArrayEquals(new long[] {2, 2}, st.shape());
      // weights 1..4 on each output tell the paths apart
      w.mul(Tensor.of(new double[] {1, 2}, 2)).sum()
          .add(c.mul(Tensor.of(new double[] {3, 4, 5, 6}, 4)).sum())
          .add(st.mul(Tensor.of(new double[] {7, 8, 9, 10}, 2, 2)).sum()).backward();
      assertSame(BF16, a.grad().dtype());
      assertSame(F64, b.grad().dtype());
      assertArrayEquals(new float[] {1 + 3 + 7, 4 + 8}, a.grad().to(F32).toFloatArray(), 0f);
      assertArrayEquals(new double[] {5 + 9, 2 + 6 + 10}, b.grad().toDoubleArray(), 0.0);
      Tensor ints = Tensor.cat(0, Tensor.ofBytes(new byte[] {3}, 1), Tensor.ofLongs(new long[] {1L << 40}, 1));
      assertSame(I64, ints.dtype());
      assertArrayEquals(new long[] {3, 1L << 40}, ints.toLongArray());
    }
  }

  /** The converted copies are freed: no graph, and the device holds nothing more afterwards; with a graph, after it. */
  @Test
  void theConvertedCopiesAreFreed() {
    try (TensorScope setup = new TensorScope()) {
      Tensor a = Tensor.ones(64, 64).to(BF16), b = Tensor.ones(64), flags = Tensor.ones(64, 64);
      Tensor cond = Tensor.ofBytes(new byte[] {1}, 1);
      Device device = a.device();
      long before = SettledMemory.bytesInUse(device);  // what earlier tests left to the collector is freed first
      try (Tensor sum = a.add(b)) {
        assertEquals(before + 64 * 64 * 4, device.bytesInUse(), "only the float32 result is held");
      }
      try (Tensor lt = a.lt(flags)) {
        assertEquals(before + 64 * 64, device.bytesInUse(), "only the uint8 result is held");
      }
      try (Tensor w = Tensor.where(cond, a, b)) {
        assertEquals(before + 64 * 64 * 4, device.bytesInUse(), "only the float32 result is held");
      }
      try (Tensor c = Tensor.cat(0, a, b.reshape(1, 64))) {
        assertEquals(before + 65 * 64 * 4, device.bytesInUse(), "only the float32 result is held");
      }
      assertEquals(before, device.bytesInUse());
      // recorded: the copies live with the graph and go when backward frees it. The same backward in one dtype runs
      // first, so that what a device keeps after its first reduction (the emulated GPU's scratch) is counted before.
      for (Tensor operand : new Tensor[] {flags, a}) {
        Tensor p = Tensor.ones(64).requiresGrad(true);
        try (TensorScope s = new TensorScope()) {
          operand.mul(p).sum().backward();
        }
        p.grad().close();
        p.close();
        if (operand == flags) before = device.bytesInUse();
      }
      assertEquals(before, device.bytesInUse());
    }
  }

  /** Two integer tensors still have no float type to compute in: the arithmetic refuses them, naming the operand. */
  @Test
  void integerArithmeticIsStillRefused() {
    try (TensorScope s = new TensorScope()) {
      Tensor i = Tensor.ofInts(new int[] {1, 2}, 2);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> i.add(Tensor.ofLongs(new long[] {1}, 1)));
      assertTrue(e.getMessage().startsWith("add: expected a float32, float64, float16 or bfloat16 tensor, got int32"),
          e.getMessage());
      assertSame(F32, i.add(Tensor.of(new float[] {0.5f}, 1)).dtype());
    }
  }
}
