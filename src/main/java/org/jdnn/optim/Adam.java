package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * Adam (Kingma and Ba) with torch.optim.Adam's update and defaults (see {@link AdamFamily}).
 * Weight decay here is L2 added to the gradient (g += wd p), which the adaptive denominator then
 * rescales; {@link AdamW} decouples it.
 */
public final class Adam extends AdamFamily<Adam> {
  public Adam(List<Tensor> params, double lr) {
    super(params, lr);
  }

  public Adam(ParamGroups groups, double lr) {
    super(groups, lr);
  }

  @Override
  boolean decoupled() {
    return false;
  }
}
