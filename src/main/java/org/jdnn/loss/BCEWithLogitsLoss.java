package org.jdnn.loss;

import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.PointLoss;
import org.jdnn.tensor.Tensor;

/**
 * Binary cross-entropy on logits, sigmoid fused in: max(x, 0) - x t + log(1 + e^-|x|), which is
 * exact and finite for logits of any size. Use it instead of a Sigmoid layer followed by
 * {@link BCELoss}.
 */
public final class BCEWithLogitsLoss implements Loss {
  private final Reduction reduction;

  /** The mean binary cross-entropy over logits. */
  public BCEWithLogitsLoss() {
    this(Reduction.MEAN);
  }

  /**
   * Binary cross-entropies over logits, combined as {@code reduction} says.
   *
   * @param reduction mean, sum, or none (one loss per element)
   */
  public BCEWithLogitsLoss(Reduction reduction) {
    this.reduction = reduction;
  }

  /**
   * {@inheritDoc}
   *
   * @param logits raw scores of any magnitude, float32 or float64
   * @param target probabilities (0 or 1 for hard labels), same shape and dtype; they are not
   *     range-checked, as in PyTorch
   * @throws IllegalArgumentException when shapes, dtypes or devices differ, or either tensor is not
   *     float32 or float64
   */
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    Checks.sameShape("BCEWithLogitsLoss", logits, target);
    return reduction.apply(LossOps.pointLoss(PointLoss.BCE_LOGITS, logits, target, "BCEWithLogitsLoss"));
  }
}
