package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.nn.Linear;
import org.junit.jupiter.api.Test;

/**
 * Post-accumulate gradient hooks, end-of-pass callbacks, setGrad and the flat-range copies: what
 * DistributedDataParallel builds on. A hook must see the leaf's whole gradient of the pass (every
 * branch's contribution added), run once per pass, and not run for a leaf the pass did not reach.
 */
class GradHookTest {
  @Test
  void aHookSeesTheWholeGradientOfALeafReadTwiceOncePerPass() throws Exception {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
      List<float[]> seen = new ArrayList<>();
      try (AutoCloseable handle = x.registerPostAccumulateGradHook(t -> seen.add(t.grad().toFloatArray()))) {
        // y = sum(x * 3) + sum(x * x): dy/dx = 3 + 2x, reached through two branches (three edges)
        x.mul(3.0).sum().add(x.mul(x).sum()).backward();
        assertEquals(1, seen.size());
        assertArrayEquals(new float[] {5, 7, 9}, seen.get(0));
        x.mul(2.0).sum().backward();  // a second pass: accumulated, one more call
        assertEquals(2, seen.size());
        assertArrayEquals(new float[] {7, 9, 11}, seen.get(1));
      }
      x.mul(2.0).sum().backward();  // removed: not called again
      assertEquals(2, seen.size());
    }
  }

  @Test
  void aLinearWeightHookSeesItsGemmAccumulatedGradientAndUnreachedLeavesStaySilent() throws Exception {
    try (TensorScope scope = new TensorScope(); Linear layer = new Linear(4, 2)) {
      Tensor unused = Tensor.of(new float[] {1}, 1).requiresGrad(true);
      List<String> order = new ArrayList<>();
      List<float[]> weightGrads = new ArrayList<>();
      Tensor w = layer.parameters().get(0);
      w.registerPostAccumulateGradHook(t -> {
        order.add("weight");
        weightGrads.add(t.grad().toFloatArray());
        Autograd.queueCallback(() -> order.add("callback"));
      });
      unused.registerPostAccumulateGradHook(t -> order.add("unused"));
      Tensor input = Tensor.of(new float[] {1, 2, 3, 4, -1, 0, 1, 2}, 2, 4);
      layer.forward(input).sum().backward();
      assertEquals(List.of("weight", "callback"), order);
      // d sum(x W^T + b) / dW[o][i] = sum over rows of x[r][i]
      assertArrayEquals(new float[] {0, 2, 4, 6, 0, 2, 4, 6}, weightGrads.get(0));
      assertNull(unused.grad());
    }
  }

  @Test
  void queueCallbackOutsideABackwardPassIsRefused() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autograd.queueCallback(() -> {}));
    assertTrue(e.getMessage().contains("no backward pass is running"), e.getMessage());
  }

  @Test
  void setGradCopiesIntoTheGradientAndChecksTheLeaf() {
    try (TensorScope scope = new TensorScope()) {
      Tensor p = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
      Tensor g = Tensor.of(new float[] {0.5f, -1}, 2);
      p.setGrad(g);
      assertArrayEquals(new float[] {0.5f, -1}, p.grad().toFloatArray());
      Tensor kept = p.grad();
      p.setGrad(Tensor.of(new float[] {3, 4}, 2));
      assertTrue(kept == p.grad(), "setGrad must write into the existing gradient");
      assertArrayEquals(new float[] {3, 4}, p.grad().toFloatArray());
      assertThrows(IllegalArgumentException.class, () -> p.setGrad(Tensor.of(new float[] {1, 2, 3}, 3)));
      assertThrows(IllegalArgumentException.class, () -> p.setGrad(Tensor.of(new double[] {1, 2}, 2)));
      Tensor computed = p.mul(2.0);
      assertThrows(IllegalStateException.class, () -> computed.setGrad(g));
      assertThrows(IllegalStateException.class, () -> Tensor.of(new float[] {1}, 1).registerPostAccumulateGradHook(t -> {}));
    }
  }

  @Test
  void flatRangeCopiesRoundTripAndRefuseRangesOutside() {
    try (TensorScope scope = new TensorScope()) {
      Tensor flat = Tensor.zeros(10);
      Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      MemoryOps.copyIntoRange(a, flat, 3);
      assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3, 4, 5, 6, 0}, flat.toFloatArray());
      Tensor back = Tensor.zeros(3, 2);
      MemoryOps.copyFromRange(flat, 2, back);
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, back.toFloatArray());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryOps.copyIntoRange(a, flat, 5));
      assertTrue(e.getMessage().contains("outside the 10"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> MemoryOps.copyFromRange(flat, -1, back));
      assertThrows(IllegalArgumentException.class, () -> MemoryOps.copyIntoRange(Tensor.zeros(DType.FLOAT64, 2), flat, 0));
    }
  }
}
