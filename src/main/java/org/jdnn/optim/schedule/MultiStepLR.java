package org.jdnn.optim.schedule;

import java.util.Arrays;
import org.jdnn.optim.Optimizer;

/**
 * torch's MultiStepLR: lr = base * gamma^k, k = number of milestones &lt;= epoch (gamma default
 * 0.1). Milestones may come in any order; one listed twice counts twice, as in torch.
 */
public final class MultiStepLR extends LRSchedule {
  private final int[] milestones;
  private final double gamma;

  /**
   * Multiplies the rates by 0.1 at each milestone; sets epoch 0's rates.
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param milestones the epochs (steps) at which to decay, each &gt;= 0; copied
   * @throws IllegalArgumentException when {@code optimizer} or {@code milestones} is null, or a
   *     milestone is negative
   */
  public MultiStepLR(Optimizer optimizer, int[] milestones) {
    this(optimizer, milestones, 0.1);
  }

  /**
   * Multiplies the rates by {@code gamma} at each milestone; sets epoch 0's rates.
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param milestones the epochs (steps) at which to decay, each &gt;= 0; copied
   * @param gamma the factor per milestone, finite and &gt; 0
   * @throws IllegalArgumentException when {@code optimizer} or {@code milestones} is null, a
   *     milestone is negative, or {@code gamma} is not finite and positive
   */
  public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {

    super(optimizer);
    if (milestones == null) throw new IllegalArgumentException("MultiStepLR: milestones is null");
    for (int m : milestones) {
      if (m < 0) throw new IllegalArgumentException("MultiStepLR: milestones must be >= 0, got " + m);
    }
    checkPositive("MultiStepLR", "gamma", gamma);
    this.milestones = milestones.clone();
    Arrays.sort(this.milestones);
    this.gamma = gamma;
    start();
  }

  @Override
  protected double lrAt(double base, int epoch) {
    int passed = 0;
    for (int m : milestones) if (m <= epoch) passed++;
    return base * Math.pow(gamma, passed);
  }
}
