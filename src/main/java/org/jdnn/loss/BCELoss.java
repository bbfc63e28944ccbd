package org.jdnn.loss;

import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.PointLoss;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Binary cross-entropy on probabilities p in [0, 1]: -(t log p + (1 - t) log(1 - p)), with the
 * logs clamped at -100 as in PyTorch so saturated predictions give a finite loss (log(1 - p) is
 * computed as log1p(-p), exact for tiny p). As PyTorch's BCELoss, an input or target outside [0, 1]
 * (NaN included) throws IllegalArgumentException naming the element; on a GPU the loss kernel makes
 * that check and records a failure on the device, raised at the next synchronization (a read of a
 * tensor, {@code Device.synchronize()} or {@code Device.checkErrors()}), so the step never waits
 * for it. Prefer {@link BCEWithLogitsLoss} on raw scores: it is exact for large logits.
 */
public final class BCELoss implements Loss {
  private final Reduction reduction;

  /** The mean binary cross-entropy. */
  public BCELoss() {
    this(Reduction.MEAN);
  }

  /**
   * Binary cross-entropies combined as {@code reduction} says.
   *
   * @param reduction mean, sum, or none (one loss per element)
   */
  public BCELoss(Reduction reduction) {
    this.reduction = reduction;
  }

  /**
   * {@inheritDoc}
   *
   * @param probabilities predicted probabilities in [0, 1] (a sigmoid's output), float32 or float64
   * @param target probabilities in [0, 1] (0 or 1 for hard labels), same shape and dtype
   * @throws IllegalArgumentException when shapes, dtypes or devices differ, when either tensor is
   *     not float32 or float64, or when an element of either is outside [0, 1] or NaN (the message
   *     names the first such index; on a GPU raised at the next synchronization instead)
   */
  @Override
  public Tensor compute(Tensor probabilities, Tensor target) {
    Checks.sameShape("BCELoss", probabilities, target);
    return TensorScope.composed(() -> reduction.apply(LossOps.pointLoss(PointLoss.BCE_PROBABILITIES, probabilities, target,
        "BCELoss")));
  }
}
