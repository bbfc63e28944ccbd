package org.jdnn.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Tanh;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * ActivationStats against statistics computed from the definition on each layer's output: mean,
 * standard deviation (n - 1), fraction of zeros and of units dead for every sample; a planted dead
 * half of a ReLU layer shows as exactly one half; two batches add up as their concatenation.
 */
@EveryDevice
class ActivationStatsTest {
  private static Tensor inputs(int rows, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[rows * 4];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return Tensor.of(v, rows, 4);
  }

  /** Mean, std (n - 1) and zero fraction of {@code v}, straight from the definition. */
  private static double[] reference(float[] v) {
    double sum = 0;
    int zeros = 0;
    for (float x : v) {
      sum += x;
      if (x == 0) zeros++;
    }
    double mean = sum / v.length;
    double ss = 0;
    for (float x : v) ss += (x - mean) * (x - mean);
    return new double[] {mean, Math.sqrt(ss / (v.length - 1)), (double) zeros / v.length};
  }

  @Test
  void eachLayersStatisticsMatchTheDefinition() {
    Generator.manualSeed(3);
    try (Sequential net = new Sequential(new Linear(4, 6), new Tanh(), new Linear(6, 5), new ReLU(), new Linear(5, 2));
        TensorScope s = new TensorScope()) {
      Tensor x = inputs(16, 1);
      List<LayerActivations> stats = ActivationStats.of(net, x);
      assertEquals(List.of("0", "1", "2", "3", "4"), stats.stream().map(LayerActivations::name).toList());
      Tensor h = x;
      for (int i = 0; i < 5; i++) {
        h = net.get(i).forward(h);
        double[] ref = reference(h.toFloatArray());
        LayerActivations a = stats.get(i);
        assertEquals(net.get(i).describe(), a.layer());
        assertEquals(h.numel(), a.count());
        assertEquals(ref[0], a.mean(), 1e-12 * (1 + Math.abs(ref[0])), "mean of layer " + i);
        assertEquals(ref[1], a.std(), 1e-12 * ref[1], "std of layer " + i);
        assertEquals(ref[2], a.zeroFraction(), 0.0, "zeros of layer " + i);
      }
      for (Layer l : net.children().values()) assertFalse(l.hasHooks(), "of() leaves no hook behind");
    }
  }

  @Test
  void aPlantedDeadHalfOfAReluLayerIsFoundExactly() {
    Generator.manualSeed(4);
    try (Sequential net = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 1)); TensorScope s = new TensorScope()) {
      // |w x| <= 4 * 0.5 for inputs in [-1, 1]: units 0-3 get bias -100 (never fire), 4-7 get +100 (always fire)
      Linear first = (Linear) net.get(0);
      float[] w = new float[32];
      SplittableRandom r = new SplittableRandom(9);
      for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextDouble() - 0.5);
      first.weight().write(w);
      first.bias().write(new float[] {-100, -100, -100, -100, 100, 100, 100, 100});
      LayerActivations relu = ActivationStats.of(net, inputs(32, 2)).get(1);
      assertEquals(0.5, relu.zeroFraction(), 0.0);
      assertEquals(0.5, relu.deadFraction(), 0.0);
      first.bias().write(new float[] {-100, -100, -100, -100, -100, -100, -100, -100});
      relu = ActivationStats.of(net, inputs(32, 2)).get(1);
      assertEquals(1.0, relu.zeroFraction(), 0.0);
      assertEquals(1.0, relu.deadFraction(), 0.0);
      assertEquals(0.0, relu.std(), 0.0);
    }
  }

  @Test
  void twoRecordedBatchesGiveTheStatisticsOfTheirConcatenation() {
    Generator.manualSeed(5);
    try (Sequential net = new Sequential(new Linear(4, 6), new ReLU()); TensorScope s = new TensorScope()) {
      List<LayerActivations> whole = ActivationStats.of(net, inputs(24, 7));
      Tensor all = inputs(24, 7);
      float[] v = all.toFloatArray();
      float[] first = java.util.Arrays.copyOfRange(v, 0, 10 * 4);
      float[] second = java.util.Arrays.copyOfRange(v, 10 * 4, 24 * 4);
      try (ActivationStats stats = ActivationStats.attach(net)) {
        net.call(Tensor.of(first, 10, 4));
        net.call(Tensor.of(second, 14, 4));
        List<LayerActivations> parts = stats.layers();
        for (int i = 0; i < 2; i++) {
          assertEquals(whole.get(i).count(), parts.get(i).count());
          assertEquals(whole.get(i).mean(), parts.get(i).mean(), 1e-12);
          assertEquals(whole.get(i).std(), parts.get(i).std(), 1e-12);
          assertEquals(whole.get(i).zeroFraction(), parts.get(i).zeroFraction(), 0.0);
          assertEquals(whole.get(i).deadFraction(), parts.get(i).deadFraction(), 0.0);
        }
        assertTrue(net.get(0).hasHooks());
        stats.reset();
        assertTrue(stats.layers().isEmpty());
      }
      assertFalse(net.get(0).hasHooks(), "close() removes the hooks");
    }
  }

  @Test
  void aModelWithoutChildrenIsItsOwnOnlyLayer() {
    Generator.manualSeed(6);
    try (Linear lin = new Linear(4, 3); TensorScope s = new TensorScope()) {
      List<LayerActivations> stats = ActivationStats.of(lin, inputs(5, 3));
      assertEquals(1, stats.size());
      assertEquals("", stats.get(0).name());
      assertEquals(15, stats.get(0).count());
    }
  }
}
