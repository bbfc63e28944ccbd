package org.jdnn.train;

import org.jdnn.tensor.Tensor;

/**
 * A quantity averaged over an epoch's samples from the model's outputs and the targets. The
 * trainer resets it at each epoch start and calls update once per batch, without gradients.
 * A metric keeps running sums in Java, not tensors, so it owns nothing to close; one instance
 * serves one trainer at a time.
 *
 * <pre>{@code
 * new Trainer(model, optimizer, new CrossEntropyLoss()).metrics(Metric.accuracy(), Metric.topK(5));
 * }</pre>
 */
public interface Metric {
  /**
   * The key in History and in the logs ("accuracy"; validation values get "val_" in front).
   *
   * @return a name unique among the trainer's metrics
   */
  String name();

  /** Forgets every batch seen: the start of an epoch or of an evaluation. */
  void reset();

  /**
   * Adds one batch.
   *
   * @param output the model's output for the batch, on the model's device; not to be closed or
   *     kept (it belongs to the step's scope)
   * @param target the batch's targets, same device; not to be closed or kept
   * @throws IllegalArgumentException when the shapes do not fit the metric
   */
  void update(Tensor output, Tensor target);

  /**
   * The metric over every sample added since {@link #reset()}.
   *
   * @return the value; the built-in metrics give NaN when no sample was added

   */
  double value();

  /**
   * Fraction of correctly classified samples. Multi-class scores (N, C): the largest score must be
   * the label (class indices (N), or the largest entry of (N, C) targets). Single-output scores
   * (N, 1) or (N) of a binary classifier are read as logits: class 1 when the score is above 0
   * (sigmoid above 0.5), compared with 0/1 targets. For a model that outputs probabilities (a
   * Sigmoid last layer, trained with BCELoss) use {@link #binaryAccuracy binaryAccuracy(0.5)}.
   *
   * @return a new metric named "accuracy", with values in [0, 1]
   */
  static Metric accuracy() {
    return Accuracy.classification(0);
  }

  /**
   * Accuracy of a single-output binary classifier ((N, 1) or (N) scores, 0/1 targets): class 1
   * when the score is above {@code threshold} (0 for logits, 0.5 for probabilities). Logged as
   * "accuracy".
   *
   * @param threshold the score above which a sample is class 1, finite
   * @return a new metric named "accuracy", with values in [0, 1]
   * @throws IllegalArgumentException when {@code threshold} is infinite or NaN
   */
  static Metric binaryAccuracy(double threshold) {
    return Accuracy.binary(threshold);
  }

  /**
   * Fraction of samples whose label is among the {@code k} largest of C &gt; k scores.
   *
   * @param k how many of the largest scores may hold the label, at least 1 and below C (checked
   *     when the first batch shows C)
   * @return a new metric named "top&lt;k&gt;_accuracy" (e.g. "top5_accuracy"), with values in [0, 1]
   * @throws IllegalArgumentException when {@code k} &lt; 1
   */

  static Metric topK(int k) {

    return Accuracy.topK(k, "top" + k + "_accuracy");
  }
}
