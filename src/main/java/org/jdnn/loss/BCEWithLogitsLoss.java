package org.jdnn.loss;

import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.PointLoss;
import org.jdnn.tensor.Tensor;

/**
 * Binary cross-entropy on logits, sigmoid fused in: max(x, 0) - x t + log(1 + e^-|x|), which is
 * exact and finite for logits of any size.
 */
public final class BCEWithLogitsLoss implements Loss {
  private final Reduction reduction;

  public BCEWithLogitsLoss() {
    this(Reduction.MEAN);
  }

  public BCEWithLogitsLoss(Reduction reduction) {
    this.reduction = reduction;
  }

  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    Checks.sameShape("BCEWithLogitsLoss", logits, target);
    return reduction.apply(LossOps.pointLoss(PointLoss.BCE_LOGITS, logits, target, "BCEWithLogitsLoss"));
  }
}
