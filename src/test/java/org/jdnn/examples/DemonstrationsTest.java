package org.jdnn.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.History;
import org.junit.jupiter.api.Test;

/** What each lecture demonstration claims, checked on its core function with the settings its main uses. */
class DemonstrationsTest {
  @Test
  void threeHiddenUnitsFitEachCurveAndTheFitIsTheirWeightedSum() {
    double[] bound = {1e-3, 5e-3, 5e-3};  // x^2, sin(x), |x|: seen 2.7e-5, 6.7e-4, 7.1e-4
    for (int k = 0; k < 3; k++) {
      HiddenUnitFits.Fit f = HiddenUnitFits.fit(HiddenUnitFits.FUNCTIONS[k], "tanh", 1, 3000);
      assertTrue(f.mse < bound[k], f.function + " mse " + f.mse);
      // the curves drawn are the hidden units: bias + sum_j v_j h_j(x) is the network's output (float32 rounding)
      for (int i = 0; i < f.x.length; i++) {
        double sum = f.outBias;
        for (int j = 0; j < 3; j++) {
          sum += f.outWeights[j] * f.hidden[j][i];
          assertTrue(Math.abs(f.hidden[j][i]) < 1, "a tanh unit's output is in (-1, 1): " + f.hidden[j][i]);
        }
        assertEquals(sum, f.fit[i], 1e-5, f.function + " at x = " + f.x[i]);
      }
    }
    HiddenUnitFits.Fit logistic = HiddenUnitFits.fit("x^2", "sigmoid", 1, 300);
    for (double[] unit : logistic.hidden) for (double v : unit) assertTrue(v > 0 && v < 1, "a logistic unit's output: " + v);
  }

  @Test
  void xorIsWiredByHandFromOrNandAndAnd() {
    try (Layer wired = Xor.byHand(); TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      assertArrayEquals(new double[] {0, 1, 1, 0}, Xor.predict(wired, false));
      Sequential net = (Sequential) wired;
      float[] h = net.get(1).forward(net.get(0).forward(Tensor.of(Xor.INPUTS, 4, 2))).toFloatArray();
      // rows (0,0) (0,1) (1,0) (1,1); column 0 is OR, column 1 is NAND
      assertArrayEquals(new float[] {0, 1, 1, 1, 1, 1, 1, 0}, h);
    }
  }

  @Test
  void perceptronRuleLearnsAndButCyclesOnXor() {
    try (Sequential and = Perceptron.perceptron(); Sequential xor = Perceptron.perceptron();
        Sequential twoEpochs = Perceptron.perceptron()) {
      Perceptron.Result a = Perceptron.learn(and, Perceptron.AND, 50, false);
      assertTrue(a.converged, "AND converges");
      assertEquals(0, a.mistakes);
      // the learned line separates AND, checked in float64 from the weights: w.x + b >= 0 exactly for (1, 1)
      for (int i = 0; i < 4; i++) {
        double v = a.weights[0] * Xor.INPUTS[2 * i] + a.weights[1] * Xor.INPUTS[2 * i + 1] + a.weights[2];
        assertEquals(Perceptron.AND[i] == 1, v >= 0, "input " + i + ": " + Arrays.toString(a.weights));
      }
      Perceptron.Result x = Perceptron.learn(xor, Perceptron.XOR, 50, false);
      assertFalse(x.converged, "XOR cannot converge");
      assertTrue(x.cycleFrom > 0 && x.mistakes > 0, "the rule is caught cycling: from epoch " + x.cycleFrom);
      Perceptron.Result never = Perceptron.learn(twoEpochs, Perceptron.XOR, 2, false);
      assertFalse(never.converged);
      assertEquals(2, never.epochs, "stops at the epoch limit");
    }
  }

  @Test
  void backpropByHandMatchesAutogradAndFiniteDifferences() {
    BackpropByHand.Report r = BackpropByHand.run(false);
    assertTrue(r.handVsAutograd <= 1e-12, "hand vs autograd " + r.handVsAutograd + "\nhand " + Arrays.toString(r.hand)
        + "\nautograd " + Arrays.toString(r.autograd));
    assertTrue(r.gradCheck.within(1e-8, 1e-6), "GradCheck: " + r.gradCheck);
    assertEquals(11, r.gradCheck.elementsChecked, "the input's 2 and the 9 parameters");
    assertTrue(r.updateDifference <= 1e-12, "hand update vs SGD " + r.updateDifference);
    assertTrue(r.errorAfter < r.errorBefore, r.errorBefore + " -> " + r.errorAfter);
    for (double g : r.hand) assertTrue(g != 0, "every gradient is exercised: " + Arrays.toString(r.hand));
  }

  @Test
  void deeperNetsCarveTheSpirals() {
    PlaneData data = PlaneData.spirals(150, 1.25, 0.04, 3);
    double[] accuracy = new double[4];
    for (int layers = 1; layers <= 3; layers++) {
      try (Layer net = DecisionSurfaces.network(layers, 4, 3)) {
        accuracy[layers] = DecisionSurfaces.train(net, data, 2000);
      }
    }
    // seen 0.607, 0.810, 0.993
    assertTrue(accuracy[1] < 0.7, "a line cannot separate spirals: " + accuracy[1]);
    assertTrue(accuracy[2] > accuracy[1] + 0.1 && accuracy[3] > accuracy[2] + 0.1, Arrays.toString(accuracy));
    assertTrue(accuracy[3] > 0.95, "3 layers: " + accuracy[3]);
  }

  @Test
  void sigmoidGradientsVanishAndReluGradientsDoNot() {
    double[] sigmoid = VanishingGradients.norms(false, 10, 32, 5);
    double[] relu = VanishingGradients.norms(true, 10, 32, 5);
    // seen: sigmoid first/last 1.6e-6, each layer smaller than the next; ReLU 0.11 and within 10x between layers
    assertTrue(sigmoid[0] / sigmoid[9] < 1e-4, Arrays.toString(sigmoid));
    for (int i = 0; i < 9; i++) assertTrue(sigmoid[i] < sigmoid[i + 1], "sigmoid norms grow toward the output");
    assertTrue(relu[0] / relu[9] > 1e-2, Arrays.toString(relu));
    for (int i = 1; i < 10; i++) assertTrue(relu[i] > 0.1 * relu[9], "ReLU norms stay within 10x: " + Arrays.toString(relu));
  }

  @Test
  void batchNormLetsTheDeepSigmoidNetLearn() {
    History plain = BatchNormEffect.train(false, 15, 11);
    History norm = BatchNormEffect.train(true, 15, 11);
    // seen after 15 epochs: plain loss 0.700, accuracy 0.495; batch norm loss 0.397, accuracy 0.829
    assertTrue(plain.get("accuracy").get(14) < 0.6, "plain " + plain);
    assertTrue(norm.get("accuracy").get(14) > 0.75, "batch norm " + norm);
    assertTrue(norm.get("loss").get(14) < plain.get("loss").get(14) - 0.15, "losses " + plain.get("loss") + " " + norm.get("loss"));
  }
}
