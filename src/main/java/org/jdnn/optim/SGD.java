package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * Stochastic gradient descent with torch.optim.SGD's update: with weight decay wd, momentum mu,
 * dampening d, g = grad + wd p; b = g on the first step, then b = mu b + (1 - d) g; the step is
 * g + mu b with Nesterov momentum, else b (or g when mu = 0); p -= lr step. No momentum buffer
 * is kept while mu = 0.
 *
 * <p>The setters change optimizer-wide defaults, which reach every group that does not hold its
 * own value; call them before training, e.g. {@code new SGD(model.parameters(), 0.1).momentum(0.9)}.
 */
public final class SGD extends Optimizer {
  /**
   * Plain SGD (no momentum, dampening or weight decay) over one group.
   *
   * @param params the tensors to update, each requiring gradients and listed once
   * @param lr the learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code params} is null or empty, a parameter does not
   *     require gradients or appears twice, or {@code lr} is out of range
   */
  public SGD(List<Tensor> params, double lr) {
    super(params, lr);
    defineDefaults();
  }

  /**
   * Plain SGD over parameter groups.
   *
   * @param groups the groups, which may override lr and weight decay
   * @param lr the default learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code groups} is null, a parameter does not require
   *     gradients or appears twice, or {@code lr} is out of range
   */
  public SGD(ParamGroups groups, double lr) {
    super(groups, lr);
    defineDefaults();
  }

  private void defineDefaults() {
    setDefault("momentum", 0.0);
    setDefault("dampening", 0.0);
    setDefault("nesterov", false);
  }

  /**
   * Sets the default momentum factor mu ("momentum", default 0: no buffer).
   *
   * @param value mu, finite and at least 0 (usually 0.9)
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range, or is 0 while Nesterov
   *     momentum is on
   */
  public SGD momentum(double value) {
    setDefault("momentum", value);
    return this;
  }

  /**
   * Sets the default dampening d ("dampening", default 0): the buffer adds (1 - d) g.
   *
   * @param value d, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range, or is not 0 while
   *     Nesterov momentum is on
   */
  public SGD dampening(double value) {
    setDefault("dampening", value);
    return this;
  }

  /**
   * Sets the default weight decay ("weight_decay", default 0), added to the gradient as wd p.
   *
   * @param value wd, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public SGD weightDecay(double value) {
    setDefault("weight_decay", value);
    return this;
  }

  /**
   * Turns Nesterov momentum on or off ("nesterov", default off).
   *
   * @param value whether the step is g + mu b instead of b
   * @return this optimizer
   * @throws IllegalArgumentException when turned on while momentum is 0 or dampening is not 0 (set
   *     the momentum first)
   */
  public SGD nesterov(boolean value) {

    setDefault("nesterov", value);
    return this;
  }

  @Override
  protected void checkGroupConfig(int group) {
    if (!defaults.containsKey("nesterov")) return; // still defining the defaults
    double momentum = hyper(group, "momentum"), dampening = hyper(group, "dampening");
    if (flag(group, "nesterov") && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum="
          + momentum + ", dampening=" + dampening);
    }
  }

  @Override
  protected void update(int i, Tensor p, Tensor g, int group) {
    double momentum = hyper(group, "momentum");
    // a buffer made by a skipped loss-scaled step (GradScaler) was never used: the first update starts it too
    boolean first = existingState(i, "momentum_buffer") == null || steps(i) == 1;
    Tensor buf = momentum != 0 ? state(i, "momentum_buffer", 0) : null;
    OptimOps.sgd(p, g, buf, hyper(group, "lr"), momentum, hyper(group, "dampening"), hyper(group, "weight_decay"),
        flag(group, "nesterov"), first);
  }

  @Override
  protected void updateGroup(int group, int[] indices) {
    double momentum = hyper(group, "momentum");
    boolean[] first = new boolean[indices.length];
    // a buffer made by a skipped loss-scaled step was never used: a parameter's first update starts it too (a guarded
    // step decides that on the device, from its count; the host's counts are stale then)
    boolean guarded = guardOf(indices) != null;
    for (int k = 0; k < indices.length; k++) {
      first[k] = existingState(indices[k], "momentum_buffer") == null || (!guarded && steps[indices[k]] == 1);
    }
    Tensor[] bufs = momentum != 0 ? statesOf(indices, "momentum_buffer", 0) : null;
    OptimOps.sgdGroup(paramsOf(indices), gradsOf(indices), bufs, first, hyper(group, "lr"), momentum,
        hyper(group, "dampening"), hyper(group, "weight_decay"), flag(group, "nesterov"), guardOf(indices));
  }

  @Override
  boolean guardsOnDevice() {
    return true;
  }

  @Override
  protected List<String> stateNames() {
    return List.of("momentum_buffer");
  }
}
