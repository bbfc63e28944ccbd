package org.jdnn.optim;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.nn.ActivityL1;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Tanh;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** L1, L2 and activity penalties (values and gradients). */
class RegularizationTest {

  @Test
  void l2IsLambdaTimesTheSumOfSquaresWithGradientTwoLambdaP() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1, -2}).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {3, 0.5, -1, 2}, 2, 2).requiresGrad(true);
      Tensor penalty = Regularization.l2(List.of(a, b), 0.01);
      assertEquals(0, penalty.rank());
      assertEquals(0.01 * (1 + 4 + 9 + 0.25 + 1 + 4), penalty.item(), 1e-15);
      penalty.backward();
      assertArrayEquals(new double[] {0.02, -0.04}, a.grad().toDoubleArray(), 1e-16);
      assertArrayEquals(new double[] {0.06, 0.01, -0.02, 0.04}, b.grad().toDoubleArray(), 1e-16);
    }
  }

  @Test
  void l1IsLambdaTimesTheSumOfMagnitudesWithSignGradient() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1, -2, 0}).requiresGrad(true);
      Tensor penalty = Regularization.l1(List.of(a), 0.5);
      assertEquals(0.5 * 3, penalty.item(), 1e-15);
      penalty.backward();
      assertArrayEquals(new double[] {0.5, -0.5, 0}, a.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void penaltiesPassGradientChecks() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {0.3, -1.2, 2.0});
      Tensor b = Tensor.of(new double[] {-0.7, 0.4, 1.1, -0.2}, 2, 2);
      GradCheck.check(x -> Regularization.l2(List.of(x[0], x[1]), 0.3), a, b).assertWithin(1e-7, 1e-6);
      GradCheck.check(x -> Regularization.l1(List.of(x[0], x[1]), 0.3), a, b).assertWithin(1e-7, 1e-6);
      GradCheck.check(x -> Regularization.activityL1(x[0], 0.3), b).assertWithin(1e-7, 1e-6);
    }
  }

  @Test
  void activityPenaltyIsPerSampleMean() {
    try (TensorScope s = new TensorScope()) {
      Tensor act = Tensor.of(new double[] {1, -2, 0, 3, 0.5, -0.5}, 2, 3).requiresGrad(true);
      Tensor penalty = Regularization.activityL1(act, 0.1);
      assertEquals(0.1 * 7 / 2, penalty.item(), 1e-15);
      penalty.backward();
      assertArrayEquals(new double[] {0.05, -0.05, 0, 0.05, 0.05, -0.05}, act.grad().toDoubleArray(), 1e-17);
    }
  }

  @Test
  void activityL1ModuleRecordsItsPenaltyInTrainingModeOnly() {
    try (Sequential net = new Sequential(new ActivityL1(new Linear(3, 4, true, new Generator(3)), 0.01), new Tanh(),
        new ActivityL1(new Sequential(new Linear(4, 2, true, new Generator(4)), new ReLU()), 0.2));
        TensorScope s = new TensorScope()) {
      net.to(DType.FLOAT64);
      Tensor x = Tensor.of(new double[] {0.5, -1, 2, 1.5, 0.25, -0.75}, 2, 3);
      assertNull(ActivityL1.totalPenalty(net), "no forward yet");
      Tensor h;
      Tensor out;
      try (TensorScope step = new TensorScope()) {
        out = net.forward(x);
        ActivityL1 first = (ActivityL1) net.children().get("0");
        ActivityL1 second = (ActivityL1) net.children().get("2");
        Linear firstLinear = (Linear) first.children().get("inner");
        h = firstLinear.forward(x);
        double expected = 0.01 * sumAbs(h) / 2 + 0.2 * sumAbs(out) / 2;
        assertTrue(sumAbs(out) > 0, "the ReLU output is not all zero, so the test sees the second penalty");
        assertEquals(expected, ActivityL1.totalPenalty(net).item(), 1e-14);
        assertEquals(0.01 * sumAbs(h) / 2, first.penalty().item(), 1e-15);
        assertEquals(0.2 * sumAbs(out) / 2, second.penalty().item(), 1e-15);
      }
      assertNull(ActivityL1.totalPenalty(net), "the penalty died with its scope");
      net.eval();
      try (TensorScope step = new TensorScope()) {
        net.forward(x);
        assertNull(ActivityL1.totalPenalty(net), "no penalty in eval mode");
      }
      net.train();
      // the penalty's gradient reaches the weights correctly
      GradCheck.check(in -> {
        net.forward(in[0]);
        return ActivityL1.totalPenalty(net);
      }, net.parameters(), 1e-6, x).assertWithin(1e-6, 1e-5);
    }
  }

  private static double sumAbs(Tensor t) {
    double s = 0;
    for (double v : t.toDoubleArray()) s += Math.abs(v);
    return s;
  }


  @Test
  void badArgumentsAreRejected() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1}).requiresGrad(true);
      Tensor f = Tensor.of(new float[] {1}).requiresGrad(true);
      assertRejected("lambda must be a finite number >= 0, got -0.1", () -> Regularization.l2(List.of(a), -0.1));
      assertRejected("got NaN", () -> Regularization.l1(List.of(a), Double.NaN));
      assertRejected("got none", () -> Regularization.l2(List.of(), 0.1));
      assertRejected("expected float64, got float32", () -> Regularization.l1(List.of(a, f), 0.1));
      assertRejected("got -1.0", () -> new ActivityL1(new Tanh(), -1.0));
    }
  }
}
