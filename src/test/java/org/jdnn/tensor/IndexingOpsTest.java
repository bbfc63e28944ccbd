package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * The layout, indexing and mask ops beyond their op-database rows (LayoutRows, IndexRows): exact
 * gradients where indices repeat, non-finite values in the branch where does not take, masking
 * for attention, copy semantics, and a bad index found on the device leaving the next op intact.
 */
@EveryDevice
class IndexingOpsTest {

  @Test
  void repeatedIndicesAccumulateTheirGradients() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
      Tensor idx = Tensor.ofLongs(new long[] {0, 0, 2, 0}, 4);
      Tensor y = x.indexSelect(0, idx);
      assertArrayEquals(new double[] {1, 1, 3, 1}, y.toDoubleArray(), 0.0);
      y.backward(Tensor.of(new double[] {1, 10, 100, 1000}, 4));
      assertArrayEquals(new double[] {1011, 0, 100}, x.grad().toDoubleArray(), 0.0);

      Tensor base = Tensor.of(new double[] {0.5, 0.25}, 2).requiresGrad(true);
      Tensor src = Tensor.of(new double[] {1, 2, 4, 8}, 4).requiresGrad(true);
      Tensor sum = base.scatterAdd(0, Tensor.ofLongs(new long[] {1, 1, 0, 1}, 4), src);
      assertArrayEquals(new double[] {4.5, 11.25}, sum.toDoubleArray(), 0.0);
      sum.backward(Tensor.of(new double[] {3, 5}, 2));
      assertArrayEquals(new double[] {3, 5}, base.grad().toDoubleArray(), 0.0);
      assertArrayEquals(new double[] {5, 5, 3, 5}, src.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void whereKeepsNonFiniteValuesOfTheOtherBranchOut() {
    try (TensorScope s = new TensorScope()) {
      Tensor cond = Tensor.ofBytes(new byte[] {1, 0, 1}, 3);
      Tensor a = Tensor.of(new double[] {1, Double.POSITIVE_INFINITY, 3}, 3).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {Double.NaN, 5, Double.NaN}, 3).requiresGrad(true);
      Tensor y = Tensor.where(cond, a, b);
      assertArrayEquals(new double[] {1, 5, 3}, y.toDoubleArray(), 0.0);
      y.sum().backward();
      assertArrayEquals(new double[] {1, 0, 1}, a.grad().toDoubleArray(), 0.0);
      assertArrayEquals(new double[] {0, 1, 0}, b.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void aMaskFilledWithMinusInfinityGivesZeroAttentionWeight() {
    try (TensorScope s = new TensorScope()) {
      Tensor scores = Tensor.of(new float[] {0.5f, 1.5f, -2f, 3f, 0f, 1f}, 2, 3).requiresGrad(true);
      // a causal mask row by row: row 0 sees position 0 only, row 1 positions 0 and 1
      Tensor mask = Tensor.ofBytes(new byte[] {0, 1, 1, 0, 0, 1}, 2, 3);
      Tensor p = scores.maskedFill(mask, Double.NEGATIVE_INFINITY).softmax();
      float[] w = p.toFloatArray();
      assertEquals(1f, w[0], 0f);
      assertEquals(0f, w[1], 0f);
      assertEquals(0f, w[2], 0f);
      assertEquals(1 / (1 + Math.exp(-3)), w[3], 1e-6);
      assertEquals(0f, w[5], 0f);
      p.backward(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
      float[] g = scores.grad().toFloatArray();
      for (int i : new int[] {1, 2, 5}) assertEquals(0f, g[i], 0f, "masked position " + i);
      for (float v : g) assertFalse(Float.isNaN(v));
    }
  }

  @Test
  void layoutOpsCopyAndViewsShare() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertSame(x, x.contiguous());
      Tensor t = x.transpose(0, 1);
      assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, t.toDoubleArray(), 0.0);
      MemoryOps.fill(t, 0);
      assertEquals(2.0, x.getDouble(1), 0.0);  // a copy
      Tensor v = x.unsqueeze(0);
      assertArrayEquals(new long[] {1, 2, 3}, v.shape());
      MemoryOps.fill(v, 7);
      assertEquals(7.0, x.getDouble(5), 0.0);  // a view, as reshape
      assertNotSame(x, x.view(3, 2));
    }
  }

  @Test
  void aBadIndexIsRaisedAndTheNextOpRunsClean(Device device) {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
      Tensor bad = Tensor.ofLongs(new long[] {0, 3}, 2);
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> {
        x.gather(0, bad.reshape(1, 2));
        device.checkErrors();
      });
      assertTrue(e.getMessage().contains("gather: index 3 at position 1 is outside [0, 3) of dimension 0"),
          e.getMessage());
      Tensor good = x.gather(0, Tensor.ofLongs(new long[] {2, 0}, 1, 2));
      assertArrayEquals(new double[] {5, 2}, good.toDoubleArray(), 0.0);
      device.checkErrors();
    }
  }

  @Test
  void sliceWithAStepScattersItsGradientBack() {
    try (TensorScope s = new TensorScope()) {
      double[] v = new double[10];
      for (int i = 0; i < v.length; i++) v[i] = i;
      Tensor x = Tensor.of(v, 2, 5).requiresGrad(true);
      Tensor y = x.slice(1, 0, Long.MAX_VALUE, 2);
      assertArrayEquals(new double[] {0, 2, 4, 5, 7, 9}, y.toDoubleArray(), 0.0);
      y.backward(Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
      assertArrayEquals(new double[] {1, 0, 2, 0, 3, 4, 0, 5, 0, 6}, x.grad().toDoubleArray(), 0.0);
      Tensor row = x.select(0, -1);
      assertArrayEquals(new double[] {5, 6, 7, 8, 9}, row.toDoubleArray(), 0.0);
    }
  }

  @Test
  void halfTensorsMoveExactlyAndTheirGradientsAddInFloat32() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(DType.FLOAT16).requiresGrad(true);
      Tensor y = x.indexSelect(0, Tensor.ofLongs(new long[] {1, 1, 0}, 3));
      assertEquals(DType.FLOAT16, y.dtype());
      assertArrayEquals(new float[] {3, 4, 3, 4, 1, 2}, y.to(DType.FLOAT32).toFloatArray(), 0f);
      Tensor g = x.gather(1, Tensor.ofLongs(new long[] {1, 0}, 2, 1));
      assertArrayEquals(new float[] {2, 3}, g.to(DType.FLOAT32).toFloatArray(), 0f);
      Tensor t = x.transpose(0, 1);
      assertArrayEquals(new float[] {1, 3, 2, 4}, t.to(DType.FLOAT32).toFloatArray(), 0f);
      y.sum().add(g.sum()).add(t.mul(t).sum()).backward();
      // indexSelect: row 0 once, row 1 twice; gather: (0, 1) and (1, 0); transpose: 2 x
      assertArrayEquals(new float[] {1 + 2, 1 + 1 + 4, 2 + 1 + 6, 2 + 8}, x.grad().to(DType.FLOAT32).toFloatArray(), 0f);
    }
  }

  /**
   * Outside any TensorScope, each op and its backward close every temporary they make: after the
   * caller closes what it owns, no tensor created under this test method is left (debug mode
   * records each tensor's creation stack, so tensors of other threads do not count).
   */
  @Test
  void theOpsLeaveNoTemporaryBehind() {
    boolean wasEnabled = TensorDebug.isEnabled();
    TensorDebug.enable();
    try (Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor row = Tensor.of(new double[] {7, 8, 9}, 3).requiresGrad(true);
        Tensor index = Tensor.ofLongs(new long[] {1, 0, 1}, 3);
        Tensor index2 = Tensor.ofLongs(new long[] {2, 0, 1, 1}, 2, 2);
        Tensor mask = Tensor.ofBytes(new byte[] {1, 0, 1}, 3)) {
      List<Supplier<Tensor>> ops = List.of(
          () -> x.transpose(0, 1), () -> x.permute(1, 0), () -> row.expand(2, 3), () -> x.select(1, -1),
          () -> x.slice(1, 0, 3, 2), () -> x.indexSelect(1, index), () -> x.gather(1, index2),
          () -> x.scatterAdd(1, index2, x), () -> x.pad(1.5, 1, 0, 0, 1), () -> x.pad(-1, 0),
          () -> x.maskedFill(mask, 0), () -> x.maskedSelect(mask), () -> Tensor.where(mask, x, row),
          () -> Tensor.stack(0, x, x), () -> Tensor.cat(1, x, x));
      for (Supplier<Tensor> op : ops) {
        try (Tensor y = op.get(); Tensor g = Tensor.onesLike(y)) {
          y.backward(g);
        }
        x.clearGrad();
        row.clearGrad();
      }
    } finally {
      if (!wasEnabled) TensorDebug.disable();
    }
    List<String> left = TensorDebug.liveTensors().stream()
        .filter(t -> t.contains("IndexingOpsTest.theOpsLeaveNoTemporaryBehind")).collect(Collectors.toList());
    assertTrue(left.isEmpty(), String.join("\n", left));
  }
}
