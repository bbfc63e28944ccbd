package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * RMSProp (Hinton) with torch.optim.RMSprop's update and defaults (alpha 0.99, eps 1e-8, momentum
 * 0, not centered): g = grad + wd p; s = alpha s + (1 - alpha) g^2; centered: a = alpha a +
 * (1 - alpha) g and the denominator is sqrt(s - a^2) + eps, else sqrt(s) + eps; with momentum mu
 * &gt; 0, b = mu b + g / denominator and p -= lr b, else p -= lr g / denominator. As in torch, eps is
 * added outside the square root.
 */
public final class RMSProp extends Optimizer {
  /**
   * RMSProp with torch's defaults over one group.
   *
   * @param params the tensors to update, each requiring gradients and listed once
   * @param lr the learning rate, finite and at least 0 (torch's default is 0.01)
   * @throws IllegalArgumentException when {@code params} is null or empty, a parameter does not
   *     require gradients or appears twice, or {@code lr} is out of range
   */
  public RMSProp(List<Tensor> params, double lr) {
    super(params, lr);
    defineDefaults();
  }

  /**
   * RMSProp with torch's defaults over parameter groups.
   *
   * @param groups the groups, which may override lr and weight decay
   * @param lr the default learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code groups} is null, a parameter does not require
   *     gradients or appears twice, or {@code lr} is out of range
   */
  public RMSProp(ParamGroups groups, double lr) {
    super(groups, lr);
    defineDefaults();
  }

  private void defineDefaults() {
    setDefault("alpha", 0.99);
    setDefault("eps", 1e-8);
    setDefault("momentum", 0.0);
    setDefault("centered", false);
  }

  /**
   * Sets the default smoothing constant of the averages ("alpha", default 0.99).
   *
   * @param value alpha, in [0, 1]
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is outside [0, 1] or NaN
   */
  public RMSProp alpha(double value) {
    setDefault("alpha", value);
    return this;
  }

  /**
   * Sets the default term added to the denominator ("eps", default 1e-8).
   *
   * @param value eps, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public RMSProp eps(double value) {
    setDefault("eps", value);
    return this;
  }

  /**
   * Sets the default momentum factor ("momentum", default 0: no buffer).
   *
   * @param value mu, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public RMSProp momentum(double value) {
    setDefault("momentum", value);
    return this;
  }

  /**
   * Turns the centered variant on or off ("centered", default off): it divides by an estimate of
   * the gradient's variance, sqrt(s - a^2), and keeps the extra average a ("grad_avg").
   *
   * @param value whether to center
   * @return this optimizer
   */
  public RMSProp centered(boolean value) {
    setDefault("centered", value);
    return this;
  }

  /**
   * Sets the default weight decay ("weight_decay", default 0), added to the gradient as wd p.
   *
   * @param value wd, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public RMSProp weightDecay(double value) {

    setDefault("weight_decay", value);
    return this;
  }

  @Override
  protected void checkHyper(String name, double value) {
    super.checkHyper(name, value);
    if (name.equals("alpha") && value > 1) {
      throw new IllegalArgumentException("RMSProp: alpha must be in [0, 1], got " + value);
    }
  }

  @Override
  protected void update(int i, Tensor p, Tensor g, int group) {
    double momentum = hyper(group, "momentum");
    Tensor squareAvg = state(i, "square_avg", 0);
    Tensor gradAvg = flag(group, "centered") ? state(i, "grad_avg", 0) : null;
    Tensor buf = momentum > 0 ? state(i, "momentum_buffer", 0) : null;
    OptimOps.rmsprop(p, g, squareAvg, gradAvg, buf, hyper(group, "lr"), hyper(group, "alpha"), hyper(group, "eps"),
        hyper(group, "weight_decay"), momentum);
  }

  @Override
  protected void updateGroup(int group, int[] indices) {
    double momentum = hyper(group, "momentum");
    Tensor[] squareAvg = statesOf(indices, "square_avg", 0);
    Tensor[] gradAvg = flag(group, "centered") ? statesOf(indices, "grad_avg", 0) : null;
    Tensor[] bufs = momentum > 0 ? statesOf(indices, "momentum_buffer", 0) : null;
    OptimOps.rmspropGroup(paramsOf(indices), gradsOf(indices), squareAvg, gradAvg, bufs, hyper(group, "lr"),
        hyper(group, "alpha"), hyper(group, "eps"), hyper(group, "weight_decay"), momentum, guardOf(indices));
  }

  @Override
  boolean guardsOnDevice() {
    return true;
  }

  @Override
  protected List<String> stateNames() {
    return List.of("square_avg", "grad_avg", "momentum_buffer");
  }

  @Override
  protected List<String> requiredStateNames() {
    return List.of("square_avg");
  }
}
