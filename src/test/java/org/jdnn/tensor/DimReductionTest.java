package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.bridge.JdnnNative;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * What the op database's central differences cannot check for the reductions along dimensions: max/min's
 * gradient reaching only the selected element when there are ties (the first), a backward after the indices
 * were closed, no temporary left open, std's zero gradient where every element is equal (PyTorch's masked std_backward),
 * and 16-bit inputs.
 */
@EveryDevice
class DimReductionTest {

  @Test
  void maxGradientReachesTheFirstOfTiedElementsOnly() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {1, 5, 5, 2, 7, 7, 7, 0}, dt, 2, 4).requiresGrad(true);
        ValuesIndices m = x.max(1, false);
        assertArrayEquals(new long[] {1, 0}, m.indices().toLongArray());
        assertArrayEquals(new double[] {5, 7}, values(m.values()), 0.0);
        m.values().backward(make(new double[] {10, 20}, dt, 2));
        assertArrayEquals(new double[] {0, 10, 0, 0, 20, 0, 0, 0}, values(x.grad()), 0.0, "max gradient " + dt);
        x.clearGrad();
        ValuesIndices n = x.min(0, true);
        assertArrayEquals(new long[] {0, 0, 0, 1}, n.indices().toLongArray());
        n.values().sum().backward();
        assertArrayEquals(new double[] {1, 1, 1, 0, 0, 0, 0, 1}, values(x.grad()), 0.0, "min gradient " + dt);
      }
    }
  }

  @Test
  void aBackwardAfterTheIndicesWereClosedThrows() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {3, -1, 4, 1, -5, 9}, 3, 2).requiresGrad(true);
      ValuesIndices m = x.max(-1, true);
      Tensor loss = m.values().sum();
      m.indices().close();
      IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
      ValuesIndices again = x.max(-1, true);
      again.values().sum().backward();
      assertArrayEquals(new double[] {1, 0, 1, 0, 0, 1}, values(x.grad()), 0.0, "the next max and backward work");
    }
  }

  @Test
  void nanIsTheExtremeAndArgmaxAgreesWithMax() {
    double nan = Double.NaN;
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, Float.NaN, 3, 4, 2, 0}, 2, 3);
      ValuesIndices m = x.max(1, false);
      assertArrayEquals(new long[] {1, 0}, m.indices().toLongArray());
      assertArrayEquals(new double[] {nan, 4}, values(m.values()), 0.0);
      assertArrayEquals(new long[] {1, 0}, x.argmax(1, false).toLongArray());
      assertArrayEquals(new long[] {1, 2}, x.argmin(1, false).toLongArray(), "NaN is the minimum too");
      assertFalse(x.argmax(0, true).requiresGrad());
    }
  }

  @Test
  void stdOfEqualElementsHasAZeroGradient() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = make(new double[] {2, 2, 2, 1, 3, 5}, dt, 2, 3).requiresGrad(true);
        Tensor sd = x.std(new int[] {1}, 1, false);
        assertArrayEquals(new double[] {0, 2}, values(sd), 1e-6);
        sd.sum().backward();
        // row 2: d std / dx = (x - mean) / ((N - 1) std) = (-2, 0, 2) / 4
        assertArrayEquals(new double[] {0, 0, 0, -0.5, 0, 0.5}, values(x.grad()), 1e-6, "std gradient " + dt);
      }
    }
  }

  @Test
  void sixteenBitTypesReduceInFloat32() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 250, 3}, 2, 3).to(DType.BFLOAT16).requiresGrad(true);
      ValuesIndices m = x.max(1, false);
      assertEquals(DType.BFLOAT16, m.values().dtype());
      assertArrayEquals(new long[] {2, 1}, m.indices().toLongArray());
      Tensor mean = x.mean(new int[] {0, 1}, false);
      assertEquals(DType.BFLOAT16, mean.dtype());
      assertEquals(263 / 6.0, mean.to(DType.FLOAT32).item(), 0.2, "the mean of bfloat16 values, rounded once");
      Tensor var = x.var(new int[] {1}, 0, true);
      assertArrayEquals(new long[] {2, 1}, var.shape());
      mean.backward();
      assertTrue(x.grad().dtype() == DType.BFLOAT16);
      assertArrayEquals(new double[] {1 / 6.0, 1 / 6.0}, new double[] {x.grad().to(DType.FLOAT32).getDouble(0),
          x.grad().to(DType.FLOAT32).getDouble(5)}, 1e-3);
    }
  }
  @Test
  void noTemporaryOutlivesItsOpWithoutAScope() {
    // outside any scope only what an op returns is the caller's: forward temporaries, the saved indices and the
    // scalar of a comparison are closed by the ops themselves
    Tensor x = Tensor.of(new double[] {1, 4, 2, 2, 7, -3}, 2, 3).requiresGrad(true);
    long live = JdnnNative.tensor_live_handles();
    Tensor v = x.var(new int[] {1}, 1, false);
    Tensor sd = x.std(new int[] {0, 1}, 0, true);
    Tensor mean = x.mean(new int[] {0}, false);
    ValuesIndices m = x.max(1, true);
    Tensor mask = x.gt(2.0);
    assertEquals(live + 6, JdnnNative.tensor_live_handles(), "var, std, mean, max's values and indices, the mask");
    m.close();
    for (Tensor t : new Tensor[] {v, sd, mean, mask}) t.close();
    x.close();
    assertEquals(live - 1, JdnnNative.tensor_live_handles(), "all closed");
  }
}
