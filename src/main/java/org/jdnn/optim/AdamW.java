package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * AdamW (Loshchilov and Hutter) with torch.optim.AdamW's update and defaults (weight decay 0.01,
 * the rest as {@link AdamFamily}): the parameter first shrinks, p *= 1 - lr wd, then takes Adam's
 * step with the raw gradient, so decay is not rescaled by the adaptive denominator.
 */
public final class AdamW extends AdamFamily<AdamW> {
  /**
   * AdamW with torch's defaults (weight decay 0.01) over one group.
   *
   * @param params the tensors to update, each requiring gradients and listed once
   * @param lr the learning rate, finite and at least 0 (torch's default is 0.001)
   * @throws IllegalArgumentException when {@code params} is null or empty, a parameter does not
   *     require gradients or appears twice, or {@code lr} is out of range
   */
  public AdamW(List<Tensor> params, double lr) {
    super(params, lr);
    weightDecay(0.01);
  }

  /**
   * AdamW with torch's defaults over parameter groups; a group's own weight decay (e.g. from
   * {@link ParamGroups#decayAndNoDecay}) takes precedence over the default 0.01.
   *
   * @param groups the groups, which may override lr and weight decay
   * @param lr the default learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code groups} is null, a parameter does not require
   *     gradients or appears twice, or {@code lr} is out of range
   */
  public AdamW(ParamGroups groups, double lr) {

    super(groups, lr);
    weightDecay(0.01);
  }

  @Override
  boolean decoupled() {
    return true;
  }
}
