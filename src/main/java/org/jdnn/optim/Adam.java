package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * Adam (Kingma and Ba) with torch.optim.Adam's update and defaults (see {@link AdamFamily}).
 * Weight decay here is L2 added to the gradient (g += wd p), which the adaptive denominator then
 * rescales; {@link AdamW} decouples it.
 */
public final class Adam extends AdamFamily<Adam> {
  /**
   * Adam with torch's defaults over one group.
   *
   * @param params the tensors to update, each requiring gradients and listed once
   * @param lr the learning rate, finite and at least 0 (torch's default is 0.001)
   * @throws IllegalArgumentException when {@code params} is null or empty, a parameter does not
   *     require gradients or appears twice, or {@code lr} is out of range
   */
  public Adam(List<Tensor> params, double lr) {
    super(params, lr);
  }

  /**
   * Adam with torch's defaults over parameter groups.
   *
   * @param groups the groups, which may override lr and weight decay
   * @param lr the default learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code groups} is null, a parameter does not require
   *     gradients or appears twice, or {@code lr} is out of range
   */
  public Adam(ParamGroups groups, double lr) {

    super(groups, lr);
  }

  @Override
  boolean decoupled() {
    return false;
  }
}
