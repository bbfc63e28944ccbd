package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/** Reverse-mode autograd on every device: fan-out, residual sums, accumulation, no-grad, detach, custom ops, graph freeing. */
@EveryDevice
class AutogradTest {
  @Test
  void fanOutAccumulatesAndResidualSumPassesGradientToBothBranches() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0.5, -1.5, 2.0}).requiresGrad(true);
      // h = tanh(x) is read twice (fan-out); y = h * h + h + x (residual sum with the input).
      Tensor h = x.tanh();
      Tensor y = h.mul(h).add(h).add(x).sum();
      y.backward();
      double[] g = x.grad().toDoubleArray();
      double[] xv = {0.5, -1.5, 2.0};
      for (int i = 0; i < 3; i++) {
        double t = Math.tanh(xv[i]);
        double expected = (2 * t + 1) * (1 - t * t) + 1;
        assertEquals(expected, g[i], 1e-12, "element " + i);
      }
    }
  }

  /**
   * A custom op whose backward returns its gradient in another float type: the engine casts it to the input's type
   * (PyTorch's engine does), so a leaf's gradient and sums over fan-out keep the tensor's dtype. Before the cast, adding
   * the bfloat16 gradient into the leaf's float32 one failed in native code ("dtypes differ").
   */
  @Test
  void aGradientInAnotherFloatTypeIsCastToItsInputsType() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1.5f, -2f}, 2).requiresGrad(true);
      Tensor h = Autograd.record("doubleInFloat64", x.detach().mul(2.0), g -> new Tensor[] {g.to(DType.FLOAT64).mul(2.0)}, x);
      Tensor y = h.add(h.mul(3.0));  // h read twice: its two gradients are summed before its backward runs
      y.sum().backward();
      assertEquals(DType.FLOAT32, x.grad().dtype());
      assertArrayEquals(new float[] {8f, 8f}, x.grad().toFloatArray(), 0f);
      Tensor z = Autograd.record("halfGradient", x.detach().mul(1.0), g -> new Tensor[] {g.to(DType.BFLOAT16)}, x);
      z.sum().backward();
      assertEquals(DType.FLOAT32, x.grad().dtype());
      assertArrayEquals(new float[] {9f, 9f}, x.grad().toFloatArray(), 0f);
    }
  }

  @Test
  void gradCheckAgreesOnAGraphWithFanOutAndResidual() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0.3, -0.2, 0.1, 0.7, -0.9, 0.4}, 2, 3);
      Tensor w = Tensor.of(new double[] {0.5, -0.3, 0.8, 0.1, 0.2, -0.6, 0.9, 0.4, -0.7}, 3, 3);
      GradCheck.check(in -> {
        Tensor a = in[0].matmul(in[1]).tanh();
        return a.add(in[0]).mul(a.sigmoid());
      }, x, w).assertWithin(1e-7, 1e-6);
    }
  }

  @Test
  void leafGradientsAccumulateAcrossBackwardCallsUntilZeroed() {
    try (TensorScope s = new TensorScope()) {
      Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
      w.mul(3).sum().backward();
      w.mul(3).sum().backward();
      assertArrayEquals(new float[] {6, 6}, w.grad().toFloatArray());
      w.zeroGrad();
      assertArrayEquals(new float[] {0, 0}, w.grad().toFloatArray());
    }
  }

  @Test
  void noGradModeRecordsNothingAndIsPerThread() throws Exception {
    try (TensorScope s = new TensorScope()) {
      Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
      try (GradMode.Guard g = GradMode.disable()) {
        Tensor y = w.mul(2).sum();
        assertFalse(y.requiresGrad());
        assertThrows(IllegalStateException.class, y::backward);
        boolean[] other = new boolean[1];
        Thread t = new Thread(() -> other[0] = GradMode.isEnabled());
        t.start();
        t.join();
        assertTrue(other[0], "another thread keeps gradients enabled");
      }
      assertTrue(GradMode.isEnabled());
      assertTrue(w.mul(2).sum().requiresGrad());
    }
  }

  @Test
  void backwardNeedsAScalarOrAnExplicitGradient() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
      Tensor y = x.mul(2);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
      assertTrue(e.getMessage().contains("scalar"), e.getMessage());
      y.backward(Tensor.of(new float[] {1, 0, 2}));
      assertArrayEquals(new float[] {2, 0, 4}, x.grad().toFloatArray());
    }
  }

  @Test
  void detachStopsGradients() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
      Tensor d = x.mul(2).detach();
      assertFalse(d.requiresGrad());
      Tensor y = x.mul(d).sum();
      y.backward();
      assertArrayEquals(new float[] {2, 4}, x.grad().toFloatArray());
      assertNull(d.grad());
    }
  }

  @Test
  void customOpsCanBeRecorded() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1.5, -2}).requiresGrad(true);
      // cube with a hand-written backward, recorded through the public API
      Tensor out = Autograd.record("cube", x.mul(x).mul(x).detach(),
          g -> new Tensor[] {g.mul(x.square().detach()).mul(3)}, x);
      out.sum().backward();
      assertArrayEquals(new double[] {3 * 2.25, 3 * 4.0}, x.grad().toDoubleArray(), 1e-12);
      GradCheck.Result r = GradCheck.check(in -> Autograd.record("cube", in[0].mul(in[0]).mul(in[0]).detach(),
          g -> new Tensor[] {g.mul(in[0].square().detach()).mul(3)}, in[0]), List.of(), 1e-6, x);
      r.assertWithin(1e-6, 1e-6);
    }
  }

  @Test
  void gradCheckReportsAWrongGradient() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0.5, 1.0});
      // deliberately wrong backward (factor 2 instead of 3)
      GradCheck.Result r = GradCheck.check(in -> Autograd.record("badCube", in[0].mul(in[0]).mul(in[0]).detach(),
          g -> new Tensor[] {g.mul(in[0].square().detach()).mul(2)}, in[0]), x);
      assertFalse(r.within(1e-4, 1e-4), r.toString());
      AssertionError e = assertThrows(AssertionError.class, () -> r.assertWithin(1e-4, 1e-4));
      assertTrue(e.getMessage().contains("analytic"), e.getMessage());
    }
  }

  @Test
  void aSecondBackwardThroughTheSameGraphThrowsAndLeavesGradientsAlone() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1.5, -2}).requiresGrad(true);
      Tensor loss = x.mul(x).sum();
      loss.backward();
      IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
      assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retainGraph"), e.getMessage());
      assertArrayEquals(new double[] {3, -4}, x.grad().toDoubleArray(), 0.0, "the failed call added nothing");
    }
  }

  @Test
  void aGraphSharedWithAnEarlierBackwardIsFreedToo() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {0.5, 2}).requiresGrad(true);
      Tensor h = x.tanh();
      Tensor a = h.sum(), b = h.square().sum();
      a.backward();
      IllegalStateException e = assertThrows(IllegalStateException.class, b::backward);
      assertTrue(e.getMessage().contains("tanh"), e.getMessage());
    }
  }

  @Test
  void retainGraphAllowsAnotherBackwardThatAccumulates() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1.5, -2}).requiresGrad(true);
      Tensor loss = x.mul(x).sum();
      loss.backward(true);
      loss.backward(true);
      assertArrayEquals(new double[] {6, -8}, x.grad().toDoubleArray(), 0.0, "two passes add up, as in PyTorch");
      loss.backward();  // the last pass may free it
      assertArrayEquals(new double[] {9, -12}, x.grad().toDoubleArray(), 0.0);
      assertThrows(IllegalStateException.class, loss::backward);
      Tensor y = x.tanh();
      Tensor ones = Tensor.of(new double[] {1, 1});
      y.backward(ones, true);
      y.backward(ones);
      assertThrows(IllegalStateException.class, () -> y.backward(ones));
    }
  }

  /** Bytes in use on the default device after a cross-entropy and a max pool and their backward. */
  private static long bytesAfterBackward(boolean retainGraph) {
    Device d = Device.defaultDevice();
    try (TensorScope s = new TensorScope()) {
      Tensor logits = Tensor.zeros(DType.FLOAT64, 64, 128).requiresGrad(true);
      Tensor image = Tensor.zeros(DType.FLOAT64, 2, 4, 32, 32).requiresGrad(true);
      Tensor pooled = PoolOps.maxPool2d(image, new Pool2dGeometry(2, 2, 2, 2, 0, 0), "MaxPool2d(2)");
      Tensor loss = LossOps.crossEntropy(logits, Tensor.ofLongs(new long[64]), "CrossEntropyLoss").add(pooled.sum());
      loss.backward(retainGraph);
      return d.bytesInUse();
    }
  }

  @Test
  void aBackwardClosesTheTensorsOpsKeptOnlyForIt() {
    long retained = bytesAfterBackward(true), freed = bytesAfterBackward(false);
    // the softmax probabilities (64 x 128 float64) and the arg-max indices (2 x 4 x 16 x 16 int32)
    assertTrue(retained - freed >= 64 * 128 * 8 + 2 * 4 * 16 * 16 * 4, retained + " vs " + freed + " bytes");
  }

  @Test
  void aGradientWriteThatFailsLeavesNoUnfilledGradient() {
    try (TensorScope s = new TensorScope()) {
      Tensor w = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
      RuntimeException failure = new IllegalStateException("planted failure of the gradient's write");
      assertThrows(IllegalStateException.class, () -> w.accumulateGradInto((dst, beta) -> {
        throw failure;
      }));
      assertNull(w.grad(), "a fresh gradient left unwritten must not stay attached");
      // the next backward starts from nothing, as if the failed one had not happened
      w.mul(2.0).sum().backward();
      assertArrayEquals(new double[] {2, 2, 2}, w.grad().toDoubleArray());
    }
  }
}
