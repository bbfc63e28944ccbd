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

  public MultiStepLR(Optimizer optimizer, int[] milestones) {
    this(optimizer, milestones, 0.1);
  }

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
