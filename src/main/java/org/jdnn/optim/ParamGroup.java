package org.jdnn.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * Parameters that share hyper-parameters, like one entry of torch.optim's param_groups. A group
 * may override the optimizer's learning rate and weight decay; what it leaves unset follows the
 * optimizer's defaults, including changes made to them after construction.
 */
public final class ParamGroup {
  final List<Tensor> params;
  Double lr;
  Double weightDecay;

  private ParamGroup(List<Tensor> params) {
    if (params == null || params.isEmpty()) {
      throw new IllegalArgumentException("ParamGroup: a group needs at least one parameter, got none");
    }
    this.params = new ArrayList<>(params);
  }

  public static ParamGroup of(List<Tensor> params) {
    return new ParamGroup(params);
  }

  public static ParamGroup of(Tensor... params) {
    return new ParamGroup(Arrays.asList(params));
  }

  public ParamGroup lr(double value) {
    Optimizer.checkNonNegative("ParamGroup", "lr", value);
    lr = value;
    return this;
  }

  public ParamGroup weightDecay(double value) {
    Optimizer.checkNonNegative("ParamGroup", "weight_decay", value);
    weightDecay = value;
    return this;
  }

  public List<Tensor> params() {
    return List.copyOf(params);
  }
}
