package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * Stochastic gradient descent with torch.optim.SGD's update: with weight decay wd, momentum mu,
 * dampening d, g = grad + wd p; b = g on the first step, then b = mu b + (1 - d) g; the step is
 * g + mu b with Nesterov momentum, else b (or g when mu = 0); p -= lr step. No momentum buffer
 * is kept while mu = 0.
 */
public final class SGD extends Optimizer {
  public SGD(List<Tensor> params, double lr) {
    super(params, lr);
    defineDefaults();
  }

  public SGD(ParamGroups groups, double lr) {
    super(groups, lr);
    defineDefaults();
  }

  private void defineDefaults() {
    setDefault("momentum", 0.0);
    setDefault("dampening", 0.0);
    setDefault("nesterov", false);
  }

  public SGD momentum(double value) {
    setDefault("momentum", value);
    return this;
  }

  public SGD dampening(double value) {
    setDefault("dampening", value);
    return this;
  }

  public SGD weightDecay(double value) {
    setDefault("weight_decay", value);
    return this;
  }

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
    boolean first = existingState(i, "momentum_buffer") == null;
    Tensor buf = momentum != 0 ? state(i, "momentum_buffer", 0) : null;
    OptimOps.sgd(p, g, buf, hyper(group, "lr"), momentum, hyper(group, "dampening"), hyper(group, "weight_decay"),
        flag(group, "nesterov"), first);
  }

  @Override
  protected List<String> stateNames() {
    return List.of("momentum_buffer");
  }
}
