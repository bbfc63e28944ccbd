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

  /** Fraction of samples whose largest output is the label (or the target's largest entry). */
  static Metric accuracy() {
    return new TopKAccuracy(1, "accuracy");
  }

  /** Fraction of samples whose label is among the {@code k} largest outputs ("top5_accuracy"). */
  static Metric topK(int k) {
    return new TopKAccuracy(k, "top" + k + "_accuracy");
  }
}
