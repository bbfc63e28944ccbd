package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.jdnn.optim.Rejections.assertRejected;

import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Accuracy of multi-class scores (argmax, top-k) and of single-output binary classifiers (a threshold). */
class AccuracyTest {
  private static double accuracy(Metric m, Tensor output, Tensor target) {
    m.reset();
    m.update(output, target);
    return m.value();
  }

  @Test
  void singleOutputLogitsAreThresholdedAtZero() {
    try (TensorScope s = new TensorScope()) {
      // every prediction wrong: positive logits for label 0, negative for label 1
      Tensor wrong = Tensor.of(new float[] {2, -1, 3, -0.5f}, 4, 1);
      Tensor labels = Tensor.of(new float[] {0, 1, 0, 1}, 4, 1);
      assertEquals(0.0, accuracy(Metric.accuracy(), wrong, labels));
      assertEquals(0.0, accuracy(Metric.accuracy(), wrong.reshape(4), Tensor.ofInts(new int[] {0, 1, 0, 1})));
      Tensor half = Tensor.of(new float[] {2, 1, -3, -0.5f}, 4, 1);
      assertEquals(0.5, accuracy(Metric.accuracy(), half, labels));
      // a logit of exactly 0 is sigmoid 0.5: not above the threshold, so class 0
      assertEquals(1.0, accuracy(Metric.accuracy(), Tensor.of(new float[] {0}, 1, 1), Tensor.of(new float[] {0}, 1, 1)));
    }
  }

  @Test
  void probabilitiesUseTheThresholdTheCallerSelects() {
    try (TensorScope s = new TensorScope()) {
      Tensor p = Tensor.of(new float[] {0.9f, 0.2f, 0.6f, 0.4f, 0.5f});
      Tensor y = Tensor.ofInts(new int[] {1, 0, 0, 1, 0});
      assertEquals(3.0 / 5, accuracy(Metric.binaryAccuracy(0.5), p, y), 1e-12);
      assertEquals(4.0 / 5, accuracy(Metric.binaryAccuracy(0.7), p, y), 1e-12);
      assertEquals(2.0 / 5, accuracy(Metric.accuracy(), p, y), 1e-12, "probabilities read as logits: all positive");
      assertEquals("accuracy", Metric.binaryAccuracy(0.5).name());
    }
  }

  @Test
  void uint8ClassIdsCountOnTheGpuAsOnTheCpu() {
    // Class ids stored as bytes (as Fashion-MNIST's label file holds them): the GPU's counting op
    // reads int32/int64 labels only, so these must take the host path there too.
    for (Device d : new Device[] {Device.cpu(), Device.cudaEmulated()}) {
      try (TensorScope s = new TensorScope()) {
        Tensor scores = Tensor.of(new float[] {0, 5, 1, 9, 0, 0, 0, 1, 3}, 3, 3).to(d);
        Tensor labels = Tensor.ofBytes(new byte[] {1, 0, 1}, 3).to(d);
        assertEquals(2.0 / 3, accuracy(Metric.accuracy(), scores, labels), 1e-12, "on " + d);
      }
    }
  }

  @Test
  void nanScoresCountAsWrong() {
    try (TensorScope s = new TensorScope()) {
      float nan = Float.NaN;
      assertEquals(0.0, accuracy(Metric.accuracy(), Tensor.of(new float[] {nan, nan}, 2, 1), Tensor.ofInts(new int[] {0, 1})));
      assertEquals(0.5, accuracy(Metric.accuracy(), Tensor.of(new float[] {nan, 0, 1, 0, 2, 1}, 2, 3),
          Tensor.ofInts(new int[] {0, 1})));
    }
  }

  @Test
  void meaninglessShapesAndTargetsAreRefused() {
    try (TensorScope s = new TensorScope()) {
      Tensor scores = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      Tensor single = Tensor.of(new float[] {1, -1}, 2, 1);
      assertRejected("0.5", () -> accuracy(Metric.accuracy(), single, Tensor.of(new float[] {0.5f, 1}, 2, 1)));
      assertRejected("(N, 1) or (N)", () -> accuracy(Metric.binaryAccuracy(0.5), scores, Tensor.ofInts(new int[] {0, 1})));
      assertRejected("top3_accuracy", () -> accuracy(Metric.topK(3), scores, Tensor.ofInts(new int[] {0, 1})));
      assertRejected("top2_accuracy", () -> accuracy(Metric.topK(2), single, Tensor.ofInts(new int[] {0, 1})));
      assertRejected("threshold", () -> Metric.binaryAccuracy(Double.NaN));
      // label 3 of 3 classes would read the next sample's scores
      assertRejected("label 3 of sample 0", () -> accuracy(Metric.accuracy(), scores, Tensor.ofInts(new int[] {3, 0})));
    }
  }
}
