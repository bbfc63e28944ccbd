package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Concat and narrow beyond the op database's rows (ShapeRows: values along every dimension, integer
 * dtypes, gradients, refusals): exact gradients, one tensor concatenated with itself, narrow's copy
 * semantics and scattered gradient.
 */
@EveryDevice
class ConcatOpsTest {

  @Test
  void concatGradientsAreTheSlices() {
    Random r = new Random(2);
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(uniform(r, 2 * 2 * 3, -1, 1), 2, 2, 3);
      Tensor b = Tensor.of(uniform(r, 2 * 1 * 3, -1, 1), 2, 1, 3);
      Tensor c = Tensor.of(uniform(r, 2 * 3 * 3, -1, 1), 2, 3, 3);
      GradCheck.check(in -> ConcatOps.concat(1, "Concat", in), a, b, c).assertWithin(1e-6, 1e-5);
      // explicitly: gradient [1..] sliced back; b does not require a gradient
      Tensor a2 = Tensor.of(new double[] {1, 2}, 1, 2).requiresGrad(true);
      Tensor b2 = Tensor.of(new double[] {3}, 1, 1);
      Tensor c2 = Tensor.of(new double[] {4, 5, 6}, 1, 3).requiresGrad(true);
      ConcatOps.concat(-1, "Concat", a2, b2, c2).backward(Tensor.of(new double[] {10, 20, 30, 40, 50, 60}, 1, 6));
      assertArrayEquals(new double[] {10, 20}, a2.grad().toDoubleArray(), 0.0);
      assertNull(b2.grad());
      assertArrayEquals(new double[] {40, 50, 60}, c2.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void theSameTensorTwiceReceivesBothGradients() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
      ConcatOps.concat(0, "Concat", a, a).backward(Tensor.of(new double[] {1, 2, 3, 10, 20, 30}, 6));
      assertArrayEquals(new double[] {11, 22, 33}, a.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void narrowCopiesTheSliceAndScattersTheGradient() {
    try (TensorScope s = new TensorScope()) {
      double[] v = new double[24];
      for (int i = 0; i < 24; i++) v[i] = i;
      Tensor x = Tensor.of(v, 2, 3, 4).requiresGrad(true);
      Tensor y = NarrowOps.narrow(x, 2, 1, 2);
      assertArrayEquals(new long[] {2, 3, 2}, y.shape());
      assertArrayEquals(new double[] {1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22}, y.toDoubleArray(), 0.0);
      Tensor mid = NarrowOps.narrow(x, -2, 1, 1);
      assertArrayEquals(new double[] {4, 5, 6, 7, 16, 17, 18, 19}, mid.toDoubleArray(), 0.0);
      y.sum().backward();
      double[] expected = new double[24];
      for (int i = 0; i < 24; i++) expected[i] = (i % 4 == 1 || i % 4 == 2) ? 1 : 0;
      assertArrayEquals(expected, x.grad().toDoubleArray(), 0.0);
      // a copy: writing into it leaves x alone
      MemoryOps.fill(y, -1);
      assertEquals(1.0, x.getDouble(1), 0.0);
      // empty slices are allowed
      assertArrayEquals(new long[] {2, 0, 4}, NarrowOps.narrow(x, 1, 3, 0).shape());
      Tensor x2 = Tensor.of(uniform(new Random(3), 30, -1, 1), 5, 6);
      GradCheck.check(in -> NarrowOps.narrow(in[0], 1, 2, 3), x2).assertWithin(1e-6, 1e-5);
    }
  }

}
