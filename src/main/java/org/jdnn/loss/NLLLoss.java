package org.jdnn.loss;

import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Negative log-likelihood of class labels, as PyTorch's NLLLoss: the input is log-probabilities
 * (N, C) (a LogSoftmax's output), the target class indices (N), int32 or int64. Row i's loss is
 * {@code -w[y_i] input[i, y_i]}, 0 where {@code y_i} is the ignore index (default -100); the mean
 * divides the sum by {@code sum_i w[y_i]} over the non-ignored rows (NaN when every row is ignored,
 * as PyTorch). LogSoftmax followed by NLLLoss equals {@link CrossEntropyLoss} on the logits.
 *
 * <pre>{@code
 * Loss loss = new NLLLoss(Reduction.MEAN, classWeights, -100);
 * }</pre>
 *
 * <p>Inputs of more than two dimensions (N, C, d1, ...) are not taken: reshape them to (N d1 ..., C).
 */
public final class NLLLoss implements Loss {
  private final Reduction reduction;
  private final Tensor weight;
  private final long ignoreIndex;

  /** The mean negative log-likelihood, no class weights, ignore index -100. */
  public NLLLoss() {
    this(Reduction.MEAN, null, CrossEntropyLoss.DEFAULT_IGNORE_INDEX);
  }

  /**
   * The negative log-likelihood combined as {@code reduction} says, no class weights, ignore index -100.
   *
   * @param reduction mean, sum, or none (one loss per row, shape (N))
   * @throws IllegalArgumentException when reduction is null
   */
  public NLLLoss(Reduction reduction) {
    this(reduction, null, CrossEntropyLoss.DEFAULT_IGNORE_INDEX);
  }

  /**
   * The negative log-likelihood with PyTorch's options.
   *
   * @param reduction mean, sum, or none (one loss per row, shape (N))
   * @param weight class weights (C) of the input's dtype and device, held (not copied or closed) by
   *     the loss; null for 1 each
   * @param ignoreIndex rows with this label contribute 0 and are left out of the mean (PyTorch: -100)
   * @throws IllegalArgumentException when reduction is null or weight is not a 1-D float tensor
   */
  public NLLLoss(Reduction reduction, Tensor weight, long ignoreIndex) {
    if (reduction == null) throw new IllegalArgumentException("NLLLoss: reduction must be MEAN, SUM or NONE, got null");
    if (weight != null && (weight.rank() != 1 || !weight.dtype().isFloatingPoint())) {
      throw new IllegalArgumentException("NLLLoss: class weight must be a 1-D float tensor with one value per class, got "
          + weight.describe());
    }
    this.reduction = reduction;
    this.weight = weight;
    this.ignoreIndex = ignoreIndex;
  }

  /**
   * {@inheritDoc}
   *
   * @param logProbabilities log-probabilities (N, C), float32 or float64
   * @param target class indices (N), int32 or int64, each in [0, C) or the ignore index
   * @return a new tensor: a scalar for the mean or sum, the (N) per-row losses for {@link Reduction#NONE}
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit, or the class
   *     weight is not (C) of the input's dtype and device
   * @throws IndexOutOfBoundsException when a label is outside [0, C) and not the ignore index (on a
   *     GPU raised at the next synchronization, see {@link org.jdnn.tensor.Device#checkErrors()})
   */
  @Override
  public Tensor compute(Tensor logProbabilities, Tensor target) {
    ClassTargets.check("NLLLoss", logProbabilities, target, weight);
    return TensorScope.composed(() -> {
      // autocast: nll_loss is on PyTorch's float32 list
      Tensor[] rows = ClassTargets.rows("NLLLoss", Autocast.widenForFloat32(logProbabilities), target, weight,
          ignoreIndex, 0);
      return ClassTargets.reduce(reduction, rows[0], rows[1]);
    });
  }
}
