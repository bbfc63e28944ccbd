package org.jdnn.loss;

import org.jdnn.tensor.Tensor;

/** Mean squared error (x - t)^2, reduced by mean (default) or sum; shapes must match. */
public final class MSELoss implements Loss {
  private final Reduction reduction;

  public MSELoss() {
    this(Reduction.MEAN);
  }

  public MSELoss(Reduction reduction) {
    this.reduction = reduction;
  }

  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    Checks.sameShape("MSELoss", prediction, target);
    return reduction.apply(prediction.sub(target).square());
  }
}
