package org.jdnn.train;

import java.util.Locale;
import org.jdnn.optim.Optimizer;

/**
 * Turns weight decay on from a given epoch, as the lectures recommend (let the network fit first,
 * then regularize): before epoch {@code fromEpoch} every parameter group's weight decay is 0, from
 * it on each group's own value as configured when this schedule was made (so a no-decay group
 * stays at 0). Set at each epoch's start; a function of the epoch alone, so a resumed run sets the
 * same values (build the schedule from the freshly configured optimizer, before resuming).
 *
 * <pre>{@code
 * AdamW opt = new AdamW(model.parameters(), 1e-3).weightDecay(0.05);
 * trainer.callbacks(new WeightDecaySchedule(opt, 5));   // epochs 1-5 without, 6 on with 0.05
 * }</pre>
 */
public final class WeightDecaySchedule implements Callback {
  private final Optimizer optimizer;
  private final double[] target;
  private final int fromEpoch;

  /**
   * A schedule for this optimizer's groups.
   *
   * @param optimizer the trainer's optimizer, with the weight decays wanted from {@code fromEpoch}
   * @param fromEpoch the 0-based index of the first epoch with weight decay, at least 0
   * @throws IllegalArgumentException when {@code optimizer} is null or {@code fromEpoch} is negative
   */
  public WeightDecaySchedule(Optimizer optimizer, int fromEpoch) {
    if (optimizer == null) throw new IllegalArgumentException("WeightDecaySchedule: optimizer must not be null");
    if (fromEpoch < 0) throw new IllegalArgumentException("WeightDecaySchedule: fromEpoch must be >= 0, got " + fromEpoch);
    this.optimizer = optimizer;
    this.fromEpoch = fromEpoch;
    this.target = new double[optimizer.groupCount()];
    for (int g = 0; g < target.length; g++) target[g] = optimizer.groupWeightDecay(g);
  }

  /**
   * {@inheritDoc}
   *
   * @return -10, with the learning-rate schedules: before anything that reads the epoch's settings
   */
  @Override
  public int order() {
    return -10;
  }

  /**
   * @throws IllegalStateException when the trainer trains another optimizer
   */
  @Override
  public void onEpochBegin(Trainer trainer, int epoch) {
    if (trainer.optimizer() != optimizer) {
      throw new IllegalStateException("WeightDecaySchedule: made for another optimizer than the trainer's; pass the"
          + " trainer's optimizer");
    }
    boolean on = epoch >= fromEpoch;
    for (int g = 0; g < target.length; g++) optimizer.setGroupWeightDecay(g, on ? target[g] : 0);
    if (epoch == fromEpoch && epoch > 0) {
      trainer.message(String.format(Locale.ROOT, "epoch %d: weight decay on (%s)", epoch + 1, describe()));
    }
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    for (int g = 0; g < target.length; g++) sb.append(g == 0 ? "" : ", ").append(target[g]);
    return sb.toString();
  }
}
