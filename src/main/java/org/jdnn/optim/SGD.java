package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.Updates;

/**
 * Stochastic gradient descent with torch.optim.SGD's update: with weight decay wd, momentum mu,
 * dampening d, g = grad + wd p; b = g on the first step, then b = mu b + (1 - d) g; the step is
 * g + mu b with Nesterov momentum, else b (or g when mu = 0); p -= lr step.
 */
public final class SGD extends Optimizer {
  private double momentum;
  private double dampening;
  private double weightDecay;
  private boolean nesterov;

  public SGD(List<Tensor> params, double lr) {
    super(params, lr);
  }

  public SGD momentum(double value) {
    checkNonNegative("momentum", value);
    momentum = value;
    checkNesterov();
    return this;
  }

  public SGD dampening(double value) {
    checkNonNegative("dampening", value);
    dampening = value;
    checkNesterov();
    return this;
  }

  public SGD weightDecay(double value) {
    checkNonNegative("weight decay", value);
    weightDecay = value;
    return this;
  }

  public SGD nesterov(boolean value) {
    nesterov = value;
    checkNesterov();
    return this;
  }

  private void checkNesterov() {
    if (nesterov && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum="
          + momentum + ", dampening=" + dampening);
    }
  }

  // state name for Optimizer's save/restore stand-in (torch.optim.SGD's name)
  @Override
  protected String[] stateNames() {
    return new String[] {"momentum_buffer"};
  }

  @Override
  protected void update(Tensor p, Tensor g) {
    boolean first = !hasState(p);
    Tensor buf = state(p, 1)[0];
    Updates.sgd(p, g, buf, lr, momentum, dampening, weightDecay, nesterov, first);
  }
}
