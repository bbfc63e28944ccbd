package org.jdnn.optim.schedule;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jdnn.io.StateEntries;
import org.jdnn.optim.Optimizer;

/**
 * torch's ReduceLROnPlateau: call {@link #step(double)} with a validation metric once per epoch.
 * A metric is an improvement when it beats the best so far by the threshold (relative: below
 * best (1 - threshold) in MIN mode, above best (1 + threshold) in MAX mode; absolute: by
 * threshold). After more than {@code patience} epochs without improvement every group's rate
 * becomes max(lr * factor, minLr) (changes smaller than eps are skipped), the bad-epoch count
 * resets, and for {@code cooldown} epochs bad epochs are not counted. A NaN metric is never an
 * improvement. Defaults as torch: MIN, factor 0.1, patience 10, threshold 1e-4 relative, cooldown
 * 0, minLr 0, eps 1e-8.
 *
 * <p>Unlike an {@link LRSchedule} it keeps no base rates: it multiplies whatever rates the
 * optimizer has. {@code org.jdnn.train.ScheduleStepping.onMetric} steps it from a Trainer's
 * validation metric.
 */
public final class ReduceLROnPlateau implements Schedule {
  /** Whether the monitored metric should go down (a loss) or up (an accuracy). */
  public enum Mode {
    /** Lower is better. */
    MIN,
    /** Higher is better. */
    MAX
  }

  /** How the threshold is measured against the best value. */
  public enum ThresholdMode {
    /** A fraction of the best value: MIN improves below best (1 - threshold). */
    REL,
    /** An absolute amount: MIN improves below best - threshold. */
    ABS
  }

  private final Optimizer optimizer;
  private Mode mode = Mode.MIN;
  private ThresholdMode thresholdMode = ThresholdMode.REL;
  private double factor = 0.1;
  private int patience = 10;
  private double threshold = 1e-4;
  private int cooldown;
  private double minLr;
  private double eps = 1e-8;

  private double best = Double.POSITIVE_INFINITY;
  private int badEpochs;
  private int cooldownCounter;
  private int lastEpoch;

  /**
   * A plateau schedule with torch's defaults; set others with the fluent setters before the first
   * {@link #step(double)}.
   *
   * @param optimizer the optimizer whose rates to reduce
   * @throws IllegalArgumentException when {@code optimizer} is null
   */
  public ReduceLROnPlateau(Optimizer optimizer) {
    if (optimizer == null) throw new IllegalArgumentException("ReduceLROnPlateau: optimizer is null");
    this.optimizer = optimizer;
  }

  /**
   * Sets the mode; call before the first step (it resets the best value).
   *
   * @param value MIN (default) or MAX
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is null
   */
  public ReduceLROnPlateau mode(Mode value) {
    if (value == null) throw new IllegalArgumentException("ReduceLROnPlateau: mode is null");
    mode = value;
    best = worst();
    return this;
  }

  /**
   * Sets how the threshold is measured.
   *
   * @param value REL (default) or ABS
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is null
   */
  public ReduceLROnPlateau thresholdMode(ThresholdMode value) {
    if (value == null) throw new IllegalArgumentException("ReduceLROnPlateau: thresholdMode is null");
    thresholdMode = value;
    return this;
  }

  /**
   * Sets the factor a reduction multiplies the rates by.
   *
   * @param value the factor, in [0, 1) (default 0.1)
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is outside [0, 1) or NaN
   */
  public ReduceLROnPlateau factor(double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in [0, 1), got " + value);
    }
    factor = value;
    return this;
  }

  /**
   * Sets how many epochs without improvement are tolerated; the next one reduces the rates.
   *
   * @param value the patience, at least 0 (default 10)
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is negative
   */
  public ReduceLROnPlateau patience(int value) {
    if (value < 0) throw new IllegalArgumentException("ReduceLROnPlateau: patience must be >= 0, got " + value);
    patience = value;
    return this;
  }

  /**
   * Sets the least change that counts as an improvement.
   *
   * @param value a fraction of the best value (REL) or an amount (ABS), finite and &gt;= 0
   *     (default 1e-4)
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public ReduceLROnPlateau threshold(double value) {
    threshold = nonNegative("threshold", value);
    return this;
  }

  /**
   * Sets the epochs after a reduction during which bad epochs are not counted.
   *
   * @param value the cooldown, at least 0 (default 0)
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is negative
   */
  public ReduceLROnPlateau cooldown(int value) {
    if (value < 0) throw new IllegalArgumentException("ReduceLROnPlateau: cooldown must be >= 0, got " + value);
    cooldown = value;
    return this;
  }

  /**
   * Sets the floor no reduction goes below (one value for every group).
   *
   * @param value the least learning rate, finite and &gt;= 0 (default 0)
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public ReduceLROnPlateau minLr(double value) {
    minLr = nonNegative("minLr", value);
    return this;
  }

  /**
   * Sets the least reduction applied: a group whose rate would fall by eps or less keeps it.
   *
   * @param value eps, finite and &gt;= 0 (default 1e-8)
   * @return this schedule
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public ReduceLROnPlateau eps(double value) {
    eps = nonNegative("eps", value);
    return this;
  }

  private static double nonNegative(String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException("ReduceLROnPlateau: " + what + " must be a finite number >= 0, got " + v);
    }
    return v;
  }

  /**
   * Records one epoch's metric and reduces the rates when it has plateaued.
   *
   * @param metric the epoch's monitored value, e.g. the validation loss; NaN counts as no
   *     improvement
   */
  public void step(double metric) {
    lastEpoch++;
    if (isBetter(metric)) {
      best = metric;
      badEpochs = 0;
    } else {
      badEpochs++;
    }
    if (cooldownCounter > 0) {
      cooldownCounter--;
      badEpochs = 0;
    }
    if (badEpochs > patience) {
      reduce();
      cooldownCounter = cooldown;
      badEpochs = 0;
    }
  }

  private boolean isBetter(double a) {
    boolean rel = thresholdMode == ThresholdMode.REL;
    if (mode == Mode.MIN) return a < (rel ? best * (1 - threshold) : best - threshold);
    return a > (rel ? best * (1 + threshold) : best + threshold);
  }

  private void reduce() {
    for (int g = 0; g < optimizer.groupCount(); g++) {
      double old = optimizer.learningRate(g);
      double lr = Math.max(old * factor, minLr);
      if (old - lr > eps) optimizer.setLearningRate(g, lr);
    }
  }

  private double worst() {
    return mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
  }

  /**
   * The best metric so far.
   *
   * @return the best value, or +infinity (MIN) / -infinity (MAX) before the first improvement
   */
  public double best() {
    return best;
  }

  /**
   * Epochs without improvement since the last improvement, reduction or cooldown epoch (torch's
   * num_bad_epochs).
   *
   * @return the count, at least 0
   */
  public int badEpochs() {
    return badEpochs;
  }

  /**
   * "last_epoch", "num_bad_epochs", "cooldown_counter", and "best" once a finite best exists (JSON
   * has no infinity). The settings are not state: construct the schedule the same way to resume.
   *
   * @return a new map of Integers and, when finite, the Double best
   */
  @Override
  public Map<String, Object> state() {

    Map<String, Object> s = new LinkedHashMap<>();
    s.put("last_epoch", lastEpoch);
    s.put("num_bad_epochs", badEpochs);
    s.put("cooldown_counter", cooldownCounter);
    if (Double.isFinite(best)) s.put("best", best);
    return s;
  }

  @Override
  public void loadState(Map<String, Object> state) {
    checkState(state);
    String who = "ReduceLROnPlateau.loadState";
    lastEpoch = (int) StateEntries.wholeNumber(who, state, "last_epoch");
    badEpochs = (int) StateEntries.wholeNumber(who, state, "num_bad_epochs");
    cooldownCounter = (int) StateEntries.wholeNumber(who, state, "cooldown_counter");
    best = state.containsKey("best") ? StateEntries.finiteOr(who, state, "best", worst()) : worst();
  }

  @Override
  public void checkState(Map<String, Object> state) {
    String who = "ReduceLROnPlateau.loadState";
    StateEntries.wholeNumber(who, state, "last_epoch");
    StateEntries.wholeNumber(who, state, "num_bad_epochs");
    StateEntries.wholeNumber(who, state, "cooldown_counter");
    if (state.containsKey("best")) StateEntries.finiteOr(who, state, "best", worst());
    StateEntries.noOthers(who, state, Set.of("last_epoch", "num_bad_epochs", "cooldown_counter", "best"));
  }
}
