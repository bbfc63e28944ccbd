package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Running sums that a training loop keeps on the model's device and reads only when it logs, so a
 * GPU step never waits for the host to learn its loss: both update their sums in place, with one
 * kernel launch on a GPU, outside the autograd graph.
 */
public final class MetricOps {
  private MetricOps() {}

  /**
   * Adds a loss to running sums, in place: {@code sums[0] += weight * loss}, {@code sums[1] +=
   * weight}, and for the first NaN or infinite loss since the sums were zero, {@code sums[2] =
   * step} and {@code sums[3] = loss}. Read the four values with {@link Tensor#toDoubleArray()}; fill
   * with 0 to start again.
   *
   * @param loss a one-element float32 or float64 tensor (a reduced loss), not changed
   * @param sums four float64 elements on the loss's device, zeros to start
   * @param weight what the loss counts for (the batch's samples), positive and finite
   * @param step the tag stored with the first non-finite loss, at least 1 (0 marks none)
   * @throws IllegalArgumentException when the tensors or numbers do not fit the above
   */
  public static void accumulateLoss(Tensor loss, Tensor sums, double weight, long step) {
    NativeErrors.check(JdnnNative.metric_accumulate_loss(loss.h(), sums.h(), weight, step));
  }

  /**
   * Adds to {@code correct} the number of rows of {@code scores} (N, C) whose class label is among
   * the {@code k} largest scores: fewer than k other scores are at least the label's or NaN, and
   * the label's score is not NaN (ties count against the label).
   *
   * @param scores (N, C) float32 or float64 scores, C &gt;= 2
   * @param labels (N) int32 or int64 class indices, on the scores' device
   * @param k from 1 to C - 1
   * @param correct one int64 element on the scores' device, increased in place
   * @throws IllegalArgumentException when the tensors or k do not fit the above
   * @throws IndexOutOfBoundsException for a label outside [0, C) (on a GPU at the next
   *     synchronization, see {@link Device#checkErrors()})
   */
  public static void countCorrect(Tensor scores, Tensor labels, int k, Tensor correct) {
    NativeErrors.check(JdnnNative.metric_count_correct(scores.h(), labels.h(), k, correct.h()));
  }
}
