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

  /**
   * A group of {@code params} that follows every optimizer default until overridden.
   *
   * @param params the parameters, at least one; the list is copied
   * @return a new group
   * @throws IllegalArgumentException when {@code params} is null or empty
   */
  public static ParamGroup of(List<Tensor> params) {
    return new ParamGroup(params);
  }

  /**
   * A group of {@code params} that follows every optimizer default until overridden.
   *
   * @param params the parameters, at least one
   * @return a new group
   * @throws IllegalArgumentException when no parameter is given
   */
  public static ParamGroup of(Tensor... params) {
    return new ParamGroup(Arrays.asList(params));
  }

  /**
   * Overrides the optimizer's learning rate for this group.
   *
   * @param value the group's learning rate, finite and at least 0
   * @return this group
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public ParamGroup lr(double value) {
    Optimizer.checkNonNegative("ParamGroup", "lr", value);
    lr = value;
    return this;
  }

  /**
   * Overrides the optimizer's weight decay for this group (0 turns it off for, say, biases).
   *
   * @param value the group's weight decay, finite and at least 0
   * @return this group
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public ParamGroup weightDecay(double value) {
    Optimizer.checkNonNegative("ParamGroup", "weight_decay", value);
    weightDecay = value;
    return this;
  }

  /**
   * The group's parameters.
   *
   * @return an unmodifiable copy, in order; the tensors are not owned by the group
   */
  public List<Tensor> params() {

    return List.copyOf(params);
  }
}
