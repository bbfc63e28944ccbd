package org.jdnn.optim.schedule;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.io.StateEntries;
import org.jdnn.optim.Optimizer;

/**
 * A schedule that sets each parameter group's learning rate from the group's base rate (its rate
 * when the schedule was made, torch's initial_lr) and an epoch counter, with
 * torch.optim.lr_scheduler's counting: construction sets epoch 0's rate, and each {@link #step()}
 * (once per epoch, after that epoch's optimizer steps) advances the counter by one and sets its
 * rate. Rates come from the closed form (torch's _get_closed_form_lr), so a restored schedule
 * continues bit for bit. A schedule may be stepped per batch instead when its periods count
 * batches.
 *
 * <pre>{@code
 * StepLR schedule = new StepLR(optimizer, 30);   // lr = base * 0.1^(epoch / 30)
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *   trainOneEpoch();                              // optimizer.step() per batch
 *   schedule.step();
 * }
 * }</pre>
 *
 * <p>A subclass computes the rate in {@link #lrAt} and calls {@link #start()} at the end of its
 * constructor. The schedule writes the optimizer's learning rates; it owns nothing to close.
 */
public abstract class LRSchedule implements Schedule {
  /** The optimizer whose learning rates this schedule sets. */
  protected final Optimizer optimizer;
  private final double[] baseLrs;
  private int lastEpoch;

  /**
   * Records each group's current learning rate as its base rate. Does not change any rate: the
   * subclass's {@link #start()} sets epoch 0's.
   *
   * @param optimizer the optimizer to schedule
   * @throws IllegalArgumentException when {@code optimizer} is null
   */
  protected LRSchedule(Optimizer optimizer) {
    if (optimizer == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": optimizer is null");
    this.optimizer = optimizer;
    baseLrs = new double[optimizer.groupCount()];
    for (int g = 0; g < baseLrs.length; g++) baseLrs[g] = optimizer.learningRate(g);
  }

  /**
   * The rate at {@code epoch} for a group whose base rate is {@code base}, in closed form.
   *
   * @param base the group's base learning rate, at least 0
   * @param epoch the number of steps taken, at least 0
   * @return the learning rate, which must be finite and at least 0
   */
  protected abstract double lrAt(double base, int epoch);

  /**
   * Sets epoch 0's rates; subclasses call it at the end of their constructor, once their fields are
   * set.
   *
   * @throws IllegalArgumentException when {@link #lrAt} gives a negative, infinite or NaN rate
   */
  protected final void start() {
    apply();
  }

  /**
   * Advances one epoch (or batch, when the periods count batches) and sets its rates on the
   * optimizer.
   *
   * @throws IllegalArgumentException when {@link #lrAt} gives a negative, infinite or NaN rate
   */
  public void step() {
    lastEpoch++;
    apply();
  }

  /**
   * Steps taken since construction (torch's last_epoch), or since the restored state's epoch.
   *
   * @return the epoch whose rates are set now, 0 after construction
   */
  public int lastEpoch() {
    return lastEpoch;
  }

  /**
   * A group's base rate, torch's initial_lr.
   *
   * @param group the group's index, in [0, optimizer.groupCount())
   * @return the group's learning rate when the schedule was made (or the restored one)
   * @throws ArrayIndexOutOfBoundsException when {@code group} is out of range
   */
  public double baseLearningRate(int group) {
    return baseLrs[group];
  }

  private void apply() {
    for (int g = 0; g < baseLrs.length; g++) optimizer.setLearningRate(g, lrAt(baseLrs[g], lastEpoch));
  }

  /**
   * {@inheritDoc}
   *
   * @return "last_epoch" and "base_lr.&lt;group&gt;" for every group
   */
  @Override
  public Map<String, Object> state() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("last_epoch", lastEpoch);
    for (int g = 0; g < baseLrs.length; g++) s.put("base_lr." + g, baseLrs[g]);
    return s;
  }

  /**
   * Restores the counter and base rates and sets the restored epoch's rates on the optimizer.
   *
   * @param state "last_epoch" (a whole number &gt;= 0) and one "base_lr.&lt;group&gt;" (finite,
   *     &gt;= 0) per group of the optimizer, nothing else
   * @throws IllegalArgumentException when an entry is missing, unknown or out of range, or the
   *     restored rates would not be valid learning rates; nothing has changed then
   */
  @Override
  public void loadState(Map<String, Object> state) {

    Saved saved = parse(state);
    System.arraycopy(saved.bases(), 0, baseLrs, 0, baseLrs.length);
    lastEpoch = saved.epoch();
    apply();
  }

  @Override
  public void checkState(Map<String, Object> state) {
    parse(state);
  }

  private record Saved(int epoch, double[] bases) {}

  // A valid state: the rates its base rates give at its epoch must be valid learning rates.
  private Saved parse(Map<String, Object> state) {
    String who = getClass().getSimpleName() + ".loadState";
    int epoch = (int) StateEntries.wholeNumber(who, state, "last_epoch");
    double[] bases = new double[baseLrs.length];
    for (int g = 0; g < bases.length; g++) {
      bases[g] = StateEntries.nonNegative(who, state, "base_lr." + g);
      double lr = lrAt(bases[g], epoch);
      if (!(lr >= 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException(who + ": base_lr." + g + " = " + bases[g] + " at last_epoch " + epoch
            + " gives learning rate " + lr + ", not a finite number >= 0");
      }
    }
    StateEntries.noOthers(who, state, state().keySet());
    return new Saved(epoch, bases);
  }

  static void checkPositive(String owner, String what, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(owner + ": " + what + " must be a finite number > 0, got " + v);
    }
  }
}
