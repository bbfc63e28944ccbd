package org.jdnn.optim.schedule;

import org.jdnn.optim.Optimizer;

/** torch's ExponentialLR: lr = base * gamma^epoch. */
public final class ExponentialLR extends LRSchedule {
  private final double gamma;

  public ExponentialLR(Optimizer optimizer, double gamma) {
    super(optimizer);
    checkPositive("ExponentialLR", "gamma", gamma);
    this.gamma = gamma;
    start();
  }

  @Override
  protected double lrAt(double base, int epoch) {
    return base * Math.pow(gamma, epoch);
  }
}
