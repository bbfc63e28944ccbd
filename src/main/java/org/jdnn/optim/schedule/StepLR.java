package org.jdnn.optim.schedule;

import org.jdnn.optim.Optimizer;

/** torch's StepLR: lr = base * gamma^floor(epoch / stepSize), a staircase (gamma default 0.1). */
public final class StepLR extends LRSchedule {
  private final int stepSize;
  private final double gamma;

  public StepLR(Optimizer optimizer, int stepSize) {
    this(optimizer, stepSize, 0.1);
  }

  public StepLR(Optimizer optimizer, int stepSize, double gamma) {
    super(optimizer);
    if (stepSize < 1) throw new IllegalArgumentException("StepLR: stepSize must be >= 1, got " + stepSize);
    checkPositive("StepLR", "gamma", gamma);
    this.stepSize = stepSize;
    this.gamma = gamma;
    start();
  }

  @Override
  protected double lrAt(double base, int epoch) {
    return base * Math.pow(gamma, epoch / stepSize);
  }
}
