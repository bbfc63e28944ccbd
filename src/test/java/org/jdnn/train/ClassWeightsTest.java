package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Balanced class weights as scikit-learn computes them, and a trainer whose loss weighs the classes by them. */
class ClassWeightsTest {
  @Test
  void balancedWeightsAreSamplesOverClassesTimesCount() {
    // labels 0, 0, 0, 1 with 3 classes, class 2 absent: 4 / (2 x 3) and 4 / (2 x 1), as compute_class_weight gives
    try (ArrayDataset d = ArrayDataset.withLabels(new float[4], new long[] {1}, new int[] {0, 0, 0, 1})) {
      assertArrayEquals(new double[] {4.0 / 6, 2, 1}, ClassWeights.balanced(d, 3), 1e-15);
      assertRejected("sample 3 has label 1, outside [0, 1)", () -> ClassWeights.balanced(d, 1));
    }
    try (ArrayDataset r = ArrayDataset.withTargets(new float[2], new long[] {1}, new float[2], new long[] {1})) {
      assertRejected("needs class labels", () -> ClassWeights.balanced(r, 2));
    }
  }

  @Test
  void theTrainersLossWeighsEachSampleByItsClass() {
    Generator.manualSeed(5);
    try (ArrayDataset data = TrainerTestData.blobs(30, 11); Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.1);
        Tensor w = ClassWeights.balancedTensor(data, 3, Device.cpu()); TensorScope s = new TensorScope()) {
      // by hand: sum_i w[y_i] * -log softmax(x_i)[y_i] / sum_i w[y_i], over the whole set (one batch of 30 here)
      float[] logits = m.forward(data.features()).toFloatArray();
      int[] y = data.targets().toIntArray();
      double[] cw = ClassWeights.balanced(data, 3);
      double num = 0;
      double den = 0;
      for (int i = 0; i < y.length; i++) {
        double max = Math.max(logits[3 * i], Math.max(logits[3 * i + 1], logits[3 * i + 2]));
        double z = 0;
        for (int k = 0; k < 3; k++) z += Math.exp(logits[3 * i + k] - max);
        num += cw[y[i]] * -(logits[3 * i + y[i]] - max - Math.log(z));
        den += cw[y[i]];
      }
      Trainer whole = new Trainer(m, sgd, CrossEntropyLoss.builder().weight(w).build()).batchSize(30).messages(null);
      assertEquals(num / den, whole.evaluate(data).get("loss"), 1e-5);
    }
  }
}
