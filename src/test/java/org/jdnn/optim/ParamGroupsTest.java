package org.jdnn.optim;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Parameter groups: each group's own learning rate and weight decay, defaults, the decay split. */
class ParamGroupsTest {

  /** Gives p the gradient c: backward of sum(p * c). */
  private static void gradient(Tensor p, double... c) {
    try (TensorScope s = new TensorScope()) {
      p.mul(Tensor.of(c, p.shape())).sum().backward();
    }
  }

  /** AdamW's first step from zero moments on one element (t = 1). */
  private static double adamwFirstStep(double p, double g, double lr, double wd) {
    double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double m = (1 - b1) * g, v = (1 - b2) * g * g;
    return p * (1 - lr * wd) - lr / (1 - b1) * m / (Math.sqrt(v) / Math.sqrt(1 - b2) + eps);
  }

  @Test
  void eachGroupUsesItsOwnLearningRateAndWeightDecay() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1.0, -2.0}).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {3.0}).requiresGrad(true);
      ParamGroups groups = ParamGroups.of(ParamGroup.of(a).lr(0.1), ParamGroup.of(b).weightDecay(0.2));
      try (SGD opt = new SGD(groups, 0.5)) {
        assertEquals(2, opt.groupCount());
        assertEquals(0.1, opt.learningRate(0));
        assertEquals(0.5, opt.learningRate(1));
        gradient(a, 0.5, 1.0);
        gradient(b, -1.0);
        opt.step();
        // a: lr 0.1, no decay; b: default lr 0.5, g = -1 + 0.2 * 3
        assertArrayEquals(new double[] {1.0 - 0.1 * 0.5, -2.0 - 0.1 * 1.0}, a.toDoubleArray(), 1e-15);
        assertEquals(3.0 - 0.5 * (-1.0 + 0.2 * 3.0), b.item(), 1e-15);
      }
    }
  }

  @Test
  void setLearningRateSetsEveryGroupAndOneGroupCanBeSetAlone() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1.0}).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {1.0}).requiresGrad(true);
      try (SGD opt = new SGD(ParamGroups.of(ParamGroup.of(a).lr(0.1), ParamGroup.of(b).lr(0.2)), 0.5)) {
        opt.setLearningRate(0.05);
        assertEquals(0.05, opt.learningRate(0));
        assertEquals(0.05, opt.learningRate(1));
        opt.setLearningRate(1, 0.3);
        assertEquals(0.05, opt.learningRate());
        assertEquals(0.3, opt.learningRate(1));
        gradient(a, 1.0);
        gradient(b, 1.0);
        opt.step();
        assertEquals(0.95, a.item(), 1e-15);
        assertEquals(0.7, b.item(), 1e-15);
      }
    }
  }

  @Test
  void laterDefaultsReachOnlyGroupsWithoutTheirOwnValue() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {2.0}).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {2.0}).requiresGrad(true);
      try (AdamW opt = new AdamW(ParamGroups.of(ParamGroup.of(a).weightDecay(0), ParamGroup.of(b)), 0.1).weightDecay(0.3)) {
        assertEquals(0.0, opt.groupWeightDecay(0));
        assertEquals(0.3, opt.groupWeightDecay(1));
        gradient(a, 0.4);
        gradient(b, 0.4);
        opt.step();
        assertEquals(adamwFirstStep(2.0, 0.4, 0.1, 0.0), a.item(), 1e-15);
        assertEquals(adamwFirstStep(2.0, 0.4, 0.1, 0.3), b.item(), 1e-15);
        assertTrue(a.item() - b.item() > 0.05, "decay shrank b only");
      }
    }
  }

  @Test
  void decayAndNoDecaySplitsMatricesFromBiases() {
    try (Sequential net = new Sequential(new Linear(3, 4, true, new Generator(1)), new ReLU(),
        new Linear(4, 2, true, new Generator(2)));
        TensorScope s = new TensorScope()) {
      net.to(DType.FLOAT64);
      List<Tensor> params = net.parameters();
      ParamGroups groups = ParamGroups.decayAndNoDecay(params, 0.05);
      assertEquals(2, groups.size());
      assertEquals(List.of(params.get(0), params.get(2)), groups.get(0).params());
      assertEquals(List.of(params.get(1), params.get(3)), groups.get(1).params());
      try (AdamW opt = new AdamW(groups, 0.01)) {
        assertEquals(0.05, opt.groupWeightDecay(0));
        assertEquals(0.0, opt.groupWeightDecay(1));
        double[] w0 = params.get(0).toDoubleArray(), b0 = params.get(1).toDoubleArray();
        double[] gw = new double[w0.length], gb = new double[b0.length];
        for (int i = 0; i < gw.length; i++) gw[i] = 0.1 * (i + 1);
        for (int i = 0; i < gb.length; i++) gb[i] = -0.2 * (i + 1);
        gradient(params.get(0), gw);
        gradient(params.get(1), gb);
        opt.step();
        double[] w1 = params.get(0).toDoubleArray(), b1 = params.get(1).toDoubleArray();
        for (int i = 0; i < w0.length; i++) assertEquals(adamwFirstStep(w0[i], gw[i], 0.01, 0.05), w1[i], 1e-15);
        for (int i = 0; i < b0.length; i++) assertEquals(adamwFirstStep(b0[i], gb[i], 0.01, 0.0), b1[i], 1e-15);
        // the second layer had no gradient and did not move
        assertEquals(0, opt.steps(params.get(2)));
      }
    }
  }

  @Test
  void decayAndNoDecayLeavesOutEmptyGroups() {
    try (TensorScope s = new TensorScope()) {
      Tensor bias = Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true);
      ParamGroups groups = ParamGroups.decayAndNoDecay(List.of(bias), 0.1);
      assertEquals(1, groups.size());
      assertSame(bias, groups.get(0).params().get(0));
    }
  }


  @Test
  void badGroupsAreRejected() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1}).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {1}).requiresGrad(true);
      assertRejected("appears more than once", () -> new SGD(ParamGroups.of(ParamGroup.of(a), ParamGroup.of(b, a)), 0.1));
      assertRejected("at least one parameter", () -> ParamGroup.of(List.of()));
      assertRejected("at least one group", () -> ParamGroups.of(List.of()));
      assertRejected("-1.0", () -> ParamGroup.of(a).lr(-1.0));
      assertRejected("NaN", () -> ParamGroup.of(a).weightDecay(Double.NaN));
      assertRejected("-0.5", () -> ParamGroups.decayAndNoDecay(List.of(a), -0.5));
      try (SGD opt = new SGD(ParamGroups.of(ParamGroup.of(a)), 0.1)) {
        assertRejected("got 1", () -> opt.setLearningRate(1, 0.1));
        assertRejected("-3.0", () -> opt.setLearningRate(0, -3.0));
      }
    }
  }
}
