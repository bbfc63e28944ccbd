package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class InitTest {
  private static final int OUT = 200, IN = 300;

  @Test
  void xavierUniformHasTheGlorotBoundAndVariance() {
    double a = Math.sqrt(6.0 / (IN + OUT));
    checkUniform(w -> Init.xavierUniform(w, 1.0, new Generator(1)), a);
  }

  @Test
  void kaimingUniformHasTheHeBound() {
    double bound = Math.sqrt(2.0) * Math.sqrt(3.0 / IN);
    checkUniform(w -> Init.kaimingUniform(w, 0, new Generator(2)), bound);
  }

  @Test
  void xavierNormalHasTheGlorotStd() {
    checkNormal(w -> Init.xavierNormal(w, 1.0, new Generator(3)), Math.sqrt(2.0 / (IN + OUT)));
  }

  @Test
  void kaimingNormalHasTheHeStd() {
    checkNormal(w -> Init.kaimingNormal(w, 0, new Generator(4)), Math.sqrt(2.0 / IN));
  }

  @Test
  void theSameSeedGivesTheSameWeights() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Init.kaimingNormal(Tensor.empty(DType.FLOAT32, 10, 10), 0, new Generator(9));
      Tensor b = Init.kaimingNormal(Tensor.empty(DType.FLOAT32, 10, 10), 0, new Generator(9));
      assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
    }
  }

  @Test
  void gainsFollowPyTorch() {
    assertEquals(5.0 / 3, Init.gain("tanh"), 1e-15);
    assertEquals(Math.sqrt(2), Init.gain("relu"), 1e-15);
  }

  /** The values {@code init} writes into a fresh float64 (OUT, IN) tensor. */
  private static double[] initialized(java.util.function.Consumer<Tensor> init) {
    try (TensorScope s = new TensorScope()) {
      Tensor w = Tensor.empty(DType.FLOAT64, OUT, IN);
      init.accept(w);
      return w.toDoubleArray();
    }
  }

  private static void checkUniform(java.util.function.Consumer<Tensor> init, double bound) {
    double[] v = initialized(init);
    double max = 0, sumSq = 0;
    for (double x : v) {
      max = Math.max(max, Math.abs(x));
      sumSq += x * x;
    }
    assertTrue(max <= bound, "max " + max + " exceeds bound " + bound);
    assertTrue(max > 0.99 * bound, "max " + max + " far below bound " + bound);
    double variance = sumSq / v.length;
    assertEquals(bound * bound / 3, variance, 0.02 * bound * bound / 3);
  }

  private static void checkNormal(java.util.function.Consumer<Tensor> init, double std) {
    double[] v = initialized(init);
    double sum = 0, sumSq = 0;
    for (double x : v) {
      sum += x;
      sumSq += x * x;
    }
    double mean = sum / v.length;
    assertEquals(0, mean, 4 * std / Math.sqrt(v.length));
    assertEquals(std, Math.sqrt(sumSq / v.length - mean * mean), 0.02 * std);
  }
}
