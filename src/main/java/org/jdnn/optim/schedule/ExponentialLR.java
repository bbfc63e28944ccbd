package org.jdnn.optim.schedule;

import org.jdnn.optim.Optimizer;

/** torch's ExponentialLR: lr = base * gamma^epoch. */
public final class ExponentialLR extends LRSchedule {
  private final double gamma;

  /**
   * Multiplies the rates by {@code gamma} every step; sets epoch 0's rates.
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param gamma the factor per step, finite and &gt; 0 (below 1 to decay)
   * @throws IllegalArgumentException when {@code optimizer} is null or {@code gamma} is not finite
   *     and positive
   */
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
