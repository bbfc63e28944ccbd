package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * AdamW (Loshchilov and Hutter) with torch.optim.AdamW's update and defaults (weight decay 0.01,
 * the rest as {@link AdamFamily}): the parameter first shrinks, p *= 1 - lr wd, then takes Adam's
 * step with the raw gradient, so decay is not rescaled by the adaptive denominator.
 */
public final class AdamW extends AdamFamily<AdamW> {
  public AdamW(List<Tensor> params, double lr) {
    super(params, lr);
    weightDecay(0.01);
  }

  public AdamW(ParamGroups groups, double lr) {
    super(groups, lr);
    weightDecay(0.01);
  }

  @Override
  boolean decoupled() {
    return true;
  }
}
