package org.jdnn.loss;

import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Huber loss, as PyTorch's HuberLoss: per element, with d = x - t, {@code 0.5 d^2} where
 * {@code |d| < delta} and {@code delta (|d| - 0.5 delta)} elsewhere: quadratic near the target,
 * linear (robust to outliers) far from it. Prediction and target must have the same shape, dtype and
 * device (no broadcasting). {@link SmoothL1Loss} is the same curve divided by its threshold.
 */
public final class HuberLoss implements Loss {
  private final Reduction reduction;
  private final double delta;

  /** The mean Huber loss with delta 1. */
  public HuberLoss() {
    this(Reduction.MEAN, 1.0);
  }

  /**
   * Huber losses with threshold {@code delta}, combined as {@code reduction} says.
   *
   * @param reduction mean, sum, or none (one loss per element)
   * @param delta where the loss turns from quadratic to linear, &gt; 0
   * @throws IllegalArgumentException when delta is not a positive finite number or reduction is null
   */
  public HuberLoss(Reduction reduction, double delta) {
    if (!(delta > 0) || Double.isInfinite(delta)) {
      throw new IllegalArgumentException("HuberLoss: delta must be a positive finite number, got " + delta
          + " (1.0 is PyTorch's default; for a squared error use MSELoss)");
    }
    if (reduction == null) throw new IllegalArgumentException("HuberLoss: reduction must be MEAN, SUM or NONE, got null");
    this.reduction = reduction;
    this.delta = delta;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the shapes, dtypes or devices differ
   */
  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    Checks.sameShape("HuberLoss", prediction, target);
    // autocast: huber_loss is on PyTorch's float32 list
    return TensorScope.composed(() -> reduction.apply(
        huber(Autocast.widenForFloat32(prediction).sub(Autocast.widenForFloat32(target)), delta)));
  }

  /**
   * Per-element Huber of the differences d, composed of differentiable ops: with a = |d|,
   * r = relu(a - delta) and q = a - r (= min(a, delta)), {@code 0.5 q^2 + delta r} is 0.5 a^2 below
   * delta (q = a exactly, r = 0) and delta (a - 0.5 delta) above. Both terms are non-negative, so
   * nothing cancels for outliers far beyond delta.
   */
  static Tensor huber(Tensor d, double delta) {
    Tensor a = d.abs();
    Tensor r = a.sub(delta).relu();
    return a.sub(r).square().mul(0.5).add(r.mul(delta));
  }
}
