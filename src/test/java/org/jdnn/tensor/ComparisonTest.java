package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * What the op database's rows do not say about comparisons and pow(Tensor): a scalar is rounded to the
 * tensor's dtype before comparing (as PyTorch does), 16-bit floats compare exactly, masks combine
 * through the logical ops, results stay outside the graph; and pow's gradients where the base is 0,
 * which PyTorch defines by convention.
 */
@EveryDevice
class ComparisonTest {
  private static byte[] bits(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
    return b;
  }

  @Test
  void aScalarIsRoundedToTheTensorsDtype() {
    try (TensorScope s = new TensorScope()) {
      // 0.1f != 0.1: a float32 tensor holding 0.1f equals the scalar 0.1 (rounded to float32 first),
      // a float64 tensor holding 0.1f does not
      Tensor f32 = Tensor.of(new float[] {0.1f, 0.2f}, 2);
      assertArrayEquals(bits(1, 0), f32.eq(0.1).toByteArray());
      Tensor f64 = Tensor.of(new double[] {0.1f, 0.1}, 2);
      assertArrayEquals(bits(0, 1), f64.eq(0.1).toByteArray());
      Tensor half = f32.to(DType.BFLOAT16);
      assertArrayEquals(bits(1, 0), half.eq(0.1).toByteArray(), "bfloat16 against 0.1 rounded to bfloat16");
      assertArrayEquals(bits(0, 1), half.gt(0.1).toByteArray());
    }
  }

  @Test
  void resultsAreUint8AndOutsideTheGraph() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {-1, 0, Double.NaN, 2}, dt).requiresGrad(true);
        Tensor y = make(new double[] {0}, dt);
        Tensor m = x.gt(y);
        assertEquals(DType.UINT8, m.dtype());
        assertFalse(m.requiresGrad(), "a comparison is not recorded");
        assertArrayEquals(bits(0, 0, 0, 1), m.toByteArray());
        assertArrayEquals(bits(1, 1, 1, 1), x.ne(x).logicalOr(x.eq(x)).toByteArray(), "NaN != NaN, others ==");
        assertArrayEquals(bits(0, 0, 1, 0), x.ne(x).toByteArray());
      }
    }
  }

  @Test
  void masksCombineThroughTheLogicalOps() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {-2, -0.5f, 0.5f, 3}, 4);
      Tensor inside = x.gt(-1).logicalAnd(x.lt(1));
      assertArrayEquals(bits(0, 1, 1, 0), inside.toByteArray());
      assertArrayEquals(bits(1, 0, 0, 1), inside.logicalNot().toByteArray());
      Tensor rows = Tensor.ofBytes(bits(1, 0), 2, 1);
      assertArrayEquals(bits(1, 1, 1, 1, 0, 1, 1, 0), rows.logicalOr(inside).toByteArray(), "broadcast (2,1) with (4)");
      Tensor labels = Tensor.ofLongs(new long[] {3, 1, 2}, 3);
      assertArrayEquals(bits(0, 1, 0), labels.eq(1).toByteArray(), "int64 against an integer");
    }
  }

  @Test
  void powGradientsAtAZeroBaseFollowPyTorch() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {0, 0, 0, 2, -2}, 5).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {0, 2, -1, 0, 3}, 5).requiresGrad(true);
      Tensor y = a.pow(b);
      assertArrayEquals(new double[] {1, 0, Double.POSITIVE_INFINITY, 1, -8}, values(y), 0.0);
      y.sum().backward();
      // d/da = b a^(b-1), 0 where b == 0; d/db = a^b log a, 0 where a == 0 and b >= 0
      double inf = Double.POSITIVE_INFINITY;
      assertArrayEquals(new double[] {0, 0, -inf, 0, 12}, values(a.grad()), 0.0, "d/dbase");
      double[] gb = values(b.grad());
      assertArrayEquals(new double[] {0, 0, -inf, Math.log(2)}, java.util.Arrays.copyOf(gb, 4), 1e-15, "d/dexponent");
      assertEquals(Double.NaN, gb[4], "log of a negative base: NaN, as PyTorch's real pow");
    }
  }
}
