package org.jdnn.train;

import org.jdnn.tensor.Tensor;

/**
 * A quantity averaged over an epoch's samples from the model's outputs and the targets. The
 * trainer resets it at each epoch start and calls update once per batch, without gradients.
 */
public interface Metric {
  /** The key in History and in the logs ("accuracy"; validation values get "val_" in front). */
  String name();

  void reset();

  void update(Tensor output, Tensor target);

  double value();

  /**
   * Fraction of correctly classified samples. Multi-class scores (N, C): the largest score must be
   * the label (class indices (N), or the largest entry of (N, C) targets). Single-output scores
   * (N, 1) or (N) of a binary classifier are read as logits: class 1 when the score is above 0
   * (sigmoid above 0.5), compared with 0/1 targets. For a model that outputs probabilities (a
   * Sigmoid last layer, trained with BCELoss) use {@link #binaryAccuracy binaryAccuracy(0.5)}.
   */
  static Metric accuracy() {
    return Accuracy.classification(0);
  }

  /**
   * Accuracy of a single-output binary classifier ((N, 1) or (N) scores, 0/1 targets): class 1
   * when the score is above {@code threshold} (0 for logits, 0.5 for probabilities). Logged as
   * "accuracy".
   */
  static Metric binaryAccuracy(double threshold) {
    return Accuracy.binary(threshold);
  }

  /** Fraction of samples whose label is among the {@code k} largest of C &gt; k scores ("top5_accuracy"). */
  static Metric topK(int k) {
    return Accuracy.topK(k, "top" + k + "_accuracy");
  }
}
