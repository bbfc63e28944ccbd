package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Layer.call and its hooks: forward pre-hooks, forward hooks and backward hooks see and replace
 * inputs, outputs and output gradients in registration order, run through every container, go
 * away with their handle, and leave results bit-identical when they only read.
 */
@EveryDevice
class LayerHooksTest {
  /** 3 -> 4 -> tanh -> 2 with seeded weights. */
  private static Sequential mlp() {
    Generator.manualSeed(21);
    return new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2));
  }

  private static Tensor batch() {
    return Tensor.of(new float[] {0.5f, -1, 2, 1.5f, 0.25f, -0.75f}, 2, 3);
  }

  @Test
  void forwardHooksSeeEachChildsOutputInCallOrder() {
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      List<String> order = new ArrayList<>();
      List<float[]> outputs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String name = String.valueOf(i);
        net.get(i).registerForwardHook((layer, in, out) -> {
          order.add(name);
          outputs.add(out.toFloatArray());
          return null;
        });
      }
      net.registerForwardPreHook((layer, in) -> {
        order.add("pre");
        return null;
      });
      net.registerForwardHook((layer, in, out) -> {
        order.add("net");
        return null;
      });
      Tensor y = net.call(batch());
      assertEquals(List.of("pre", "0", "1", "2", "net"), order);
      // each child's own forward, run by hand, gives what its hook saw
      Tensor h0 = net.get(0).forward(batch());
      Tensor h1 = net.get(1).forward(h0);
      assertArrayEquals(h0.toFloatArray(), outputs.get(0));
      assertArrayEquals(h1.toFloatArray(), outputs.get(1));
      assertArrayEquals(y.toFloatArray(), outputs.get(2));
    }
  }

  @Test
  void forwardHooksChainTheirReplacementsAndGradientsFlowThroughThem() {
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      Layer tanh = net.get(1);
      List<float[]> secondSaw = new ArrayList<>();
      tanh.registerForwardHook((layer, in, out) -> out.mul(2.0));
      tanh.registerForwardHook((layer, in, out) -> {
        secondSaw.add(out.toFloatArray());
        return out.add(1.0);
      });
      Tensor x = batch();
      Tensor y = net.call(x);
      Tensor h = net.get(0).forward(x).tanh();
      assertArrayEquals(h.mul(2.0).toFloatArray(), secondSaw.get(0), "the second hook sees the first's replacement");
      Tensor expected = net.get(2).forward(h.mul(2.0).add(1.0));
      assertArrayEquals(expected.toFloatArray(), y.toFloatArray());
      // d sum(y) / d W2 = sum over rows of the replaced activation: the replacement is in the graph
      y.sum().backward();
      float[] act = h.mul(2.0).add(1.0).toFloatArray();
      float[] gw = ((Linear) net.get(2)).weight().grad().toFloatArray();
      for (int o = 0; o < 2; o++) {
        for (int i = 0; i < 4; i++) assertEquals(act[i] + act[4 + i], gw[o * 4 + i], 1e-6, "dW2[" + o + "][" + i + "]");
      }
    }
  }

  @Test
  void aPreHookReplacesTheInputThatForwardAndForwardHooksSee() {
    try (Linear lin = new Linear(3, 2); TensorScope s = new TensorScope()) {
      List<float[]> hookInput = new ArrayList<>();
      lin.registerForwardPreHook((layer, in) -> in.mul(-1.0));
      lin.registerForwardHook((layer, in, out) -> {
        hookInput.add(in.toFloatArray());
        return null;
      });
      Tensor y = lin.call(batch());
      assertArrayEquals(lin.forward(batch().mul(-1.0)).toFloatArray(), y.toFloatArray());
      assertArrayEquals(batch().mul(-1.0).toFloatArray(), hookInput.get(0));
    }
  }

  @Test
  void aBackwardHookSeesTheOutputGradientComputedFromTheDefinition() {
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      List<float[]> seen = new ArrayList<>();
      net.get(1).registerBackwardHook((layer, g) -> {
        assertSame(net.get(1), layer);
        seen.add(g.toFloatArray());
        return null;
      });
      float[] c = {0.5f, -2, 1.25f, 3};
      net.call(batch()).mul(Tensor.of(c, 2, 2)).sum().backward();
      // L = sum(c * (h W2^T + b2)), so dL/dh[r][i] = sum_o c[r][o] W2[o][i], in float64
      float[] w2 = ((Linear) net.get(2)).weight().toFloatArray();
      assertEquals(1, seen.size());
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 4; i++) {
          double ref = 0;
          for (int o = 0; o < 2; o++) ref += (double) c[r * 2 + o] * w2[o * 4 + i];
          assertEquals(ref, seen.get(0)[r * 4 + i], 1e-6, "dL/dh[" + r + "][" + i + "]");
        }
      }
    }
  }

  @Test
  void backwardHooksRunInOrderAndAReplacementReachesTheLayersBelow() {
    float[] plain;
    float[] firstWeightPlain;
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      net.call(batch()).sum().backward();
      firstWeightPlain = ((Linear) net.get(0)).weight().grad().toFloatArray();
      plain = ((Linear) net.get(2)).weight().grad().toFloatArray();
    }
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      List<String> order = new ArrayList<>();
      List<float[]> secondSaw = new ArrayList<>();
      Layer tanh = net.get(1);
      tanh.registerBackwardHook((layer, g) -> {
        order.add("first");
        return g.mul(2.0);
      });
      tanh.registerBackwardHook((layer, g) -> {
        order.add("second");
        secondSaw.add(g.toFloatArray());
        return null;
      });
      net.get(2).registerBackwardHook((layer, g) -> {
        order.add("top");
        return null;
      });
      net.call(batch()).sum().backward();
      assertEquals(List.of("top", "first", "second"), order, "backward reaches the top layer first");
      // L = sum(y): dL/dh[r][i] = sum_o W2[o][i], doubled by the first hook before the second sees it
      float[] w2 = ((Linear) net.get(2)).weight().toFloatArray();
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 4; i++) assertEquals(2 * ((double) w2[i] + w2[4 + i]), secondSaw.get(0)[r * 4 + i], 1e-6);
      }
      // doubling is exact in binary floating point, and so is every product and sum it flows through
      float[] firstWeight = ((Linear) net.get(0)).weight().grad().toFloatArray();
      for (int i = 0; i < firstWeight.length; i++) assertEquals(2 * firstWeightPlain[i], firstWeight[i], 0.0, "dW1[" + i + "]");
      assertArrayEquals(plain, ((Linear) net.get(2)).weight().grad().toFloatArray(), "layers above the hook are unchanged");
    }
  }

  @Test
  void aBackwardHookRunsOnceWithTheSumOfEveryUsesGradient() {
    try (Tanh tanh = new Tanh(); TensorScope s = new TensorScope()) {
      List<float[]> seen = new ArrayList<>();
      tanh.registerBackwardHook((layer, g) -> {
        seen.add(g.toFloatArray());
        return null;
      });
      Tensor x = batch().requiresGrad(true);
      Tensor y = tanh.call(x);
      y.sum().add(y.mul(y).sum()).backward();  // dL/dy = 1 + 2y
      assertEquals(1, seen.size());
      float[] yv = y.toFloatArray();
      for (int i = 0; i < yv.length; i++) assertEquals(1 + 2.0 * yv[i], seen.get(0)[i], 1e-6);
    }
  }

  @Test
  void removedHooksNoLongerRunAndTheLayerIsBackToNoHooks() {
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      Layer tanh = net.get(1);
      int[] calls = new int[3];
      HookHandle pre = tanh.registerForwardPreHook((l, in) -> {
        calls[0]++;
        return null;
      });
      HookHandle fwd = tanh.registerForwardHook((l, in, out) -> {
        calls[1]++;
        return null;
      });
      HookHandle bwd = tanh.registerBackwardHook((l, g) -> {
        calls[2]++;
        return null;
      });
      assertTrue(tanh.hasHooks());
      Tensor y = net.call(batch());
      bwd.remove();  // after the forward, before the backward: it does not run
      y.sum().backward();
      assertArrayEquals(new int[] {1, 1, 0}, calls);
      pre.close();
      fwd.remove();
      fwd.remove();  // a second removal does nothing
      assertFalse(tanh.hasHooks());
      net.call(batch()).sum().backward();
      assertArrayEquals(new int[] {1, 1, 0}, calls);
    }
  }

  @Test
  void theSameHookRegisteredTwiceRunsTwiceAndEachHandleRemovesOne() {
    try (Tanh tanh = new Tanh(); TensorScope s = new TensorScope()) {
      int[] calls = {0};
      ForwardHook count = (l, in, out) -> {
        calls[0]++;
        return null;
      };
      HookHandle a = tanh.registerForwardHook(count);
      tanh.registerForwardHook(count);
      tanh.call(batch());
      assertEquals(2, calls[0]);
      a.remove();
      tanh.call(batch());
      assertEquals(3, calls[0]);
      assertTrue(tanh.hasHooks());
    }
  }

  @Test
  void readingHooksLeaveOutputsAndGradientsBitIdentical() {
    float[] out;
    List<float[]> grads = new ArrayList<>();
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      Tensor y = net.call(batch());
      out = y.toFloatArray();
      y.mul(y).sum().backward();
      for (Tensor p : net.parameters()) grads.add(p.grad().toFloatArray());
    }
    try (Sequential net = mlp(); TensorScope s = new TensorScope()) {
      for (Layer l : net.children().values()) {
        l.registerForwardPreHook((m, in) -> null);
        l.registerForwardHook((m, in, o) -> null);
        l.registerBackwardHook((m, g) -> null);
      }
      Tensor y = net.call(batch());
      assertArrayEquals(out, y.toFloatArray());
      y.mul(y).sum().backward();
      List<Tensor> params = net.parameters();
      for (int i = 0; i < params.size(); i++) assertArrayEquals(grads.get(i), params.get(i).grad().toFloatArray());
    }
  }

  @Test
  void hooksRunInsideResidualAddAndConcat() {
    try (TensorScope s = new TensorScope()) {
      Linear inner = new Linear(3, 3);
      Tanh a = new Tanh();
      Sigmoid b = new Sigmoid();
      Tanh c = new Tanh();
      ReLU d = new ReLU();
      try (Sequential net = new Sequential(new Residual(inner), new Add(a, b), new Concat(1, c, d))) {
        List<String> seen = new ArrayList<>();
        for (Layer l : List.of(inner, a, b, c, d)) {
          l.registerForwardHook((m, in, o) -> {
            seen.add(m.describe());
            return null;
          });
          l.registerBackwardHook((m, g) -> {
            seen.add("grad " + m.describe());
            return null;
          });
        }
        net.call(batch()).sum().backward();
        assertEquals(List.of(inner.describe(), "Tanh()", "Sigmoid()", "Tanh()", "ReLU()"), seen.subList(0, 5));
        assertEquals(10, seen.size(), "each layer's backward hook ran once: " + seen);
      }
    }
  }

  @Test
  void withoutRecordingNoBackwardHookIsSetUp() {
    try (Tanh tanh = new Tanh(); TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      tanh.registerBackwardHook((l, grad) -> {
        throw new AssertionError("no backward ran");
      });
      Tensor x = batch();
      assertArrayEquals(x.tanh().toFloatArray(), tanh.call(x).toFloatArray());
    }
  }

  @Test
  void aReplacementGradientOfTheWrongShapeAndANullHookAreRefusedNamingTheLayer() {
    try (Tanh tanh = new Tanh(); TensorScope s = new TensorScope()) {
      tanh.registerBackwardHook((l, g) -> Tensor.zeros(1));
      Tensor y = tanh.call(batch().requiresGrad(true));
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
      assertTrue(e.getMessage().startsWith("backward hook of Tanh(): the replacement gradient must match"), e.getMessage());
      IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> tanh.registerForwardHook(null));
      assertEquals("Tanh().registerForwardHook: the hook must not be null", n.getMessage());
    }
  }
}
