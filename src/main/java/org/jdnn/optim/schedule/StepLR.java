package org.jdnn.optim.schedule;

import org.jdnn.optim.Optimizer;

/** torch's StepLR: lr = base * gamma^floor(epoch / stepSize), a staircase (gamma default 0.1). */
public final class StepLR extends LRSchedule {
  private final int stepSize;
  private final double gamma;

  /**
   * A staircase that multiplies the rates by 0.1 every {@code stepSize} steps; sets epoch 0's
   * rates (the base rates).
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param stepSize the steps between decays, at least 1
   * @throws IllegalArgumentException when {@code optimizer} is null or {@code stepSize} &lt; 1
   */
  public StepLR(Optimizer optimizer, int stepSize) {
    this(optimizer, stepSize, 0.1);
  }

  /**
   * A staircase that multiplies the rates by {@code gamma} every {@code stepSize} steps; sets
   * epoch 0's rates (the base rates).
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param stepSize the steps between decays, at least 1
   * @param gamma the factor per decay, finite and &gt; 0
   * @throws IllegalArgumentException when {@code optimizer} is null, {@code stepSize} &lt; 1 or
   *     {@code gamma} is not finite and positive
   */
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
