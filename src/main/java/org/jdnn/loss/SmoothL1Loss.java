package org.jdnn.loss;

import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Smooth L1 loss, as PyTorch's SmoothL1Loss: per element, with d = x - t, {@code 0.5 d^2 / beta}
 * where {@code |d| < beta} and {@code |d| - 0.5 beta} elsewhere; beta = 0 is the L1 loss |d|. It
 * equals {@link HuberLoss} with delta = beta, divided by beta. Prediction and target must have the
 * same shape, dtype and device (no broadcasting).
 */
public final class SmoothL1Loss implements Loss {
  private final Reduction reduction;
  private final double beta;

  /** The mean smooth L1 loss with beta 1. */
  public SmoothL1Loss() {
    this(Reduction.MEAN, 1.0);
  }

  /**
   * Smooth L1 losses with threshold {@code beta}, combined as {@code reduction} says.
   *
   * @param reduction mean, sum, or none (one loss per element)
   * @param beta where the loss turns from quadratic to linear, &gt;= 0 (0: the L1 loss)
   * @throws IllegalArgumentException when beta is negative, NaN or infinite, or reduction is null
   */
  public SmoothL1Loss(Reduction reduction, double beta) {
    if (!(beta >= 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("SmoothL1Loss: beta must be a finite number >= 0, got " + beta
          + " (1.0 is PyTorch's default, 0 gives the L1 loss)");
    }
    if (reduction == null) throw new IllegalArgumentException("SmoothL1Loss: reduction must be MEAN, SUM or NONE, got null");
    this.reduction = reduction;
    this.beta = beta;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the shapes, dtypes or devices differ
   */
  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    Checks.sameShape("SmoothL1Loss", prediction, target);
    return TensorScope.composed(() -> {
      // autocast: smooth_l1_loss is on PyTorch's float32 list
      Tensor d = Autocast.widenForFloat32(prediction).sub(Autocast.widenForFloat32(target));
      return reduction.apply(beta == 0 ? d.abs() : HuberLoss.huber(d, beta).mul(1 / beta));
    });
  }
}
