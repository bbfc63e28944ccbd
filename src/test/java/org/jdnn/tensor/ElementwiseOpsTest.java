package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Element-wise arithmetic beyond the op database's rows (ElementwiseRows: forward, gradients and
 * refusals of every binary, scalar and unary op with broadcasting): exact gradients of broadcast and
 * repeated operands, PyTorch's conventions at abs's and pow's edges, integer counters.
 */
@EveryDevice
class ElementwiseOpsTest {

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
  void tensorUsedTwiceAccumulatesBothGradients() {
    try (TensorScope s = new TensorScope()) {
      double[] v = {-1.5, 0.25, 2};
      Tensor x = Tensor.of(v).requiresGrad(true);
      x.mul(x).add(x).sum().backward(); // d/dx (x^2 + x) = 2x + 1
      assertArrayEquals(new double[] {-2, 1.5, 5}, x.grad().toDoubleArray(), 1e-15);
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

  @Test
  void absGradientAtZeroIsZeroAsInPyTorch() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {-2, 0, 3}).requiresGrad(true);
      x.abs().sum().backward();
      assertArrayEquals(new double[] {-1, 0, 1}, x.grad().toDoubleArray(), 0.0);
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
