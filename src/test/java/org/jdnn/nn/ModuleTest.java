package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class ModuleTest {
  @Test
  void sequentialNamesParametersLikePyTorchAndCountsThem() {
    try (Sequential net = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(),
        new Linear(256, 10))) {
      Map<String, Tensor> p = net.namedParameters();
      assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"), List.copyOf(p.keySet()));
      assertArrayEquals(new long[] {512, 784}, p.get("0.weight").shape());
      assertEquals(784L * 512 + 512 + 512L * 256 + 256 + 256L * 10 + 10, net.parameterCount());
      assertTrue(p.values().stream().allMatch(Tensor::requiresGrad));
    }
  }

  @Test
  void trainAndEvalPropagateToChildren() {
    try (Sequential net = new Sequential(new Linear(2, 2), new Sequential(new Tanh(), new Linear(2, 1)))) {
      assertTrue(net.isTraining());
      net.eval();
      assertFalse(net.get(1).isTraining());
      assertFalse(((Sequential) net.get(1)).get(1).isTraining());
      net.train();
      assertTrue(((Sequential) net.get(1)).get(0).isTraining());
    }
  }

  @Test
  void linearWithoutBiasHasOnlyAWeight() {
    try (Linear l = new Linear(3, 4, false); TensorScope s = new TensorScope()) {
      assertNull(l.bias());
      assertEquals(12, l.parameterCount());
      Tensor y = l.forward(Tensor.ones(2, 3));
      assertArrayEquals(new long[] {2, 4}, y.shape());
    }
  }

  @Test
  void parametersSurviveTheScopeTheyWereCreatedIn() {
    Linear l;
    try (TensorScope s = new TensorScope()) {
      l = new Linear(3, 2);
    }
    assertFalse(l.weight().isClosed());
    l.close();
    assertTrue(l.weight().isClosed());
  }

  @Test
  void aWholeMlpPassesTheGradientCheckInFloat64() {
    Generator.manualSeed(11);
    try (Sequential net = new Sequential(new Linear(5, 4), new Tanh(), new Linear(4, 3), new Sigmoid(), new Linear(3, 2));
        TensorScope s = new TensorScope()) {
      net.to(DType.FLOAT64);
      Tensor x = Tensor.of(new double[] {0.1, -0.4, 0.9, 0.3, -0.2, 0.5, 0.7, -0.8, 0.05, 0.6}, 2, 5);
      GradCheck.check(in -> net.forward(in[0]), net.parameters(), 1e-6, x).assertWithin(1e-7, 1e-6);
    }
  }

  @Test
  void sameSeedGivesSameWeightsAndAnotherSeedDifferentOnes() {
    float[] a = weights(5), b = weights(5), c = weights(6);
    assertArrayEquals(a, b, 0f);
    assertFalse(java.util.Arrays.equals(a, c));
  }

  private static float[] weights(long seed) {
    Generator.manualSeed(seed);
    try (Linear l = new Linear(20, 30)) {
      return l.weight().toFloatArray();
    }
  }

  @Test
  void invalidLayerArgumentsAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3));
    assertTrue(e.getMessage().contains("in=0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Softmax(0));
    assertThrows(IllegalArgumentException.class, () -> new Sequential(new ReLU(), null));
  }

  /** Each container's forward runs the child replaceChild put in; a layer that keeps its child in a field refuses. */
  @Test
  void replaceChildIsWhatEachContainersForwardUses() {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2}, 1, 2);
      Identity second = new Identity();
      Sequential seq = new Sequential(new Identity(), second);
      assertSame(second, seq.replaceChild("1", new Doubler()), "the old child is returned");
      assertArrayEquals(new float[] {2, 4}, seq.forward(x).toFloatArray(), "Sequential");
      assertTrue(seq.get(1) instanceof Doubler, "Sequential.get");
      Residual res = new Residual(new Identity());
      res.replaceChild("inner", new Doubler());
      assertArrayEquals(new float[] {3, 6}, res.forward(x).toFloatArray(), "Residual");
      Add add = new Add(new Identity(), new Identity());
      add.replaceChild("0", new Doubler());
      assertArrayEquals(new float[] {3, 6}, add.forward(x).toFloatArray(), "Add");
      Concat cat = new Concat(1, new Identity());
      cat.replaceChild("0", new Doubler());
      assertArrayEquals(new float[] {2, 4}, cat.forward(x).toFloatArray(), "Concat");
      ActivityL1 l1 = new ActivityL1(new Identity(), 0.0);
      l1.replaceChild("inner", new Doubler());
      assertArrayEquals(new float[] {2, 4}, l1.forward(x).toFloatArray(), "ActivityL1");
      assertThrows(IllegalArgumentException.class, () -> seq.replaceChild("2", new Identity()), "no child '2'");
      assertThrows(IllegalArgumentException.class, () -> seq.replaceChild("0", null), "a null child");
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> new Holder().replaceChild("inner", new Identity()));
      assertTrue(e.getMessage().contains(Holder.class.getName()), e.getMessage());
    }
  }

  /** y = 2 x. */
  static final class Doubler extends Layer {
    @Override
    public Tensor forward(Tensor x) {
      return x.mul(2.0);
    }
  }

  /** Keeps its child in a field and does not override replaceChild. */
  static final class Holder extends Layer {
    final Identity inner = registerModule("inner", new Identity());

    @Override
    public Tensor forward(Tensor x) {
      return inner.forward(x);
    }
  }
}
