package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * RMSProp (Hinton) with torch.optim.RMSprop's update and defaults (alpha 0.99, eps 1e-8, momentum
 * 0, not centered): g = grad + wd p; s = alpha s + (1 - alpha) g^2; centered: a = alpha a +
 * (1 - alpha) g and the denominator is sqrt(s - a^2) + eps, else sqrt(s) + eps; with momentum mu
 * > 0, b = mu b + g / denominator and p -= lr b, else p -= lr g / denominator. As in torch, eps is
 * added outside the square root.
 */
public final class RMSProp extends Optimizer {
  public RMSProp(List<Tensor> params, double lr) {
    super(params, lr);
    defineDefaults();
  }

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

  public RMSProp alpha(double value) {
    setDefault("alpha", value);
    return this;
  }

  public RMSProp eps(double value) {
    setDefault("eps", value);
    return this;
  }

  public RMSProp momentum(double value) {
    setDefault("momentum", value);
    return this;
  }

  public RMSProp centered(boolean value) {
    setDefault("centered", value);
    return this;
  }

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
  protected List<String> stateNames() {
    return List.of("square_avg", "grad_avg", "momentum_buffer");
  }

  @Override
  protected List<String> requiredStateNames() {
    return List.of("square_avg");
  }
}
