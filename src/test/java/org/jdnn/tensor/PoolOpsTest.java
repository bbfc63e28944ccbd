package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Pooling beyond the op database's rows (PoolRows: max and average pooling against direct loops,
 * NaN windows, gradients and PyTorch's padding rule over strides, paddings and odd sizes): where
 * max pooling's gradient goes on ties and shared maxima, and the two average modes at the borders.
 */
@EveryDevice
class PoolOpsTest {
  /** A 2x2 window at stride 2, no padding. */
  static final Pool2dGeometry WINDOW_2 = new Pool2dGeometry(2, 2, 2, 2, 0, 0);

  @Test
  void maxPoolGradientGoesToTheFirstArgMax() {
    try (TensorScope s = new TensorScope()) {
      // one 2x2 window with a tie between positions 1 and 2: the first (row-major) wins
      Tensor x = Tensor.of(new double[] {1, 3, 3, 2}, 1, 1, 2, 2).requiresGrad(true);
      Tensor y = PoolOps.maxPool2d(x, WINDOW_2, "MaxPool2d(2)");
      assertArrayEquals(new double[] {3}, y.toDoubleArray(), 0.0);
      y.sum().backward();
      assertArrayEquals(new double[] {0, 1, 0, 0}, x.grad().toDoubleArray(), 0.0);
      // general path (kernel 3, stride 1, padding 1) on a constant input: every window's first
      // valid cell wins, so the gradient counts how many windows start at each cell
      Tensor c = Tensor.full(-2, DType.FLOAT64, 1, 1, 3, 3).requiresGrad(true);
      PoolOps.maxPool2d(c, new Pool2dGeometry(3, 3, 1, 1, 1, 1), "MaxPool2d(3)").sum().backward();
      assertArrayEquals(new double[] {4, 2, 0, 2, 1, 0, 0, 0, 0}, c.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void overlappingWindowsAccumulateOnASharedMaximum() {
    try (TensorScope s = new TensorScope()) {
      // 1x5 input, kernel 1x3, stride 1: the 9 at index 2 is the max of all three windows
      Tensor x = Tensor.of(new double[] {1, 2, 9, 4, 3}, 1, 1, 1, 5).requiresGrad(true);
      Tensor y = PoolOps.maxPool2d(x, new Pool2dGeometry(1, 3, 1, 1, 0, 0), "MaxPool2d(1x3)");
      assertArrayEquals(new double[] {9, 9, 9}, y.toDoubleArray(), 0.0);
      y.backward(Tensor.of(new double[] {1, 10, 100}, 1, 1, 1, 3));
      assertArrayEquals(new double[] {0, 0, 111, 0, 0}, x.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void avgPoolModesDifferOnlyAtPaddedBorders() {
    try (TensorScope s = new TensorScope()) {
      // all-ones 3x3 input, kernel 3, stride 1, padding 1: corners see 4 real cells, edges 6, centre 9
      Tensor x = Tensor.ones(DType.FLOAT64, 1, 1, 3, 3);
      double[] incl = PoolOps.avgPool2d(x, new Pool2dGeometry(3, 3, 1, 1, 1, 1), true, "AvgPool2d(3)").toDoubleArray();
      double[] excl = PoolOps.avgPool2d(x, new Pool2dGeometry(3, 3, 1, 1, 1, 1), false, "AvgPool2d(3)").toDoubleArray();
      assertArrayEquals(new double[] {4 / 9.0, 6 / 9.0, 4 / 9.0, 6 / 9.0, 1, 6 / 9.0, 4 / 9.0, 6 / 9.0, 4 / 9.0}, incl, 1e-15);
      assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, excl, 1e-15);
    }
  }

  @Test
  void aMissingWindowIsRefusedNamingIt() {
    // the window's own refusals (padding, stride, kernel) are error inputs of PoolRows
    try (TensorScope s = new TensorScope()) {
      assertMessage(() -> PoolOps.maxPool2d(Tensor.zeros(1, 1, 6, 6), null, "MaxPool2d(2)"), "MaxPool2d(2)", "window",
          "null");
      assertMessage(() -> PoolOps.avgPool2d(Tensor.zeros(1, 1, 6, 6), null, true, "AvgPool2d(2)"), "AvgPool2d(2)",
          "window", "null");
    }
  }
}
