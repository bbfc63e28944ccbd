package org.jdnn.loss;

import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Squared error (x - t)^2 per element, reduced by mean (the default, PyTorch's MSELoss), sum or
 * not at all. Prediction and target must have the same shape, dtype and device; there is no
 * broadcasting, so a (N, 1) prediction against an (N) target is refused rather than silently
 * turned into an (N, N) loss.
 */
public final class MSELoss implements Loss {
  private final Reduction reduction;

  /** The mean squared error. */
  public MSELoss() {
    this(Reduction.MEAN);
  }

  /**
   * Squared errors combined as {@code reduction} says.
   *
   * @param reduction mean, sum, or none (one squared error per element)
   */
  public MSELoss(Reduction reduction) {
    this.reduction = reduction;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the shapes, dtypes or devices differ
   */
  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    Checks.sameShape("MSELoss", prediction, target);
    // autocast: mse_loss is on PyTorch's float32 list
    return TensorScope.composed(() -> reduction.apply(
        Autocast.widenForFloat32(prediction).sub(Autocast.widenForFloat32(target)).square()));
  }
}
