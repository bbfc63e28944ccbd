package org.jdnn.train;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;
import org.jdnn.tensor.Tensor;

/**
 * Steps a learning-rate schedule once per epoch, after validation. Epoch schedules step with no
 * argument; a reduce-on-plateau schedule receives the monitored metric. The schedule's state is
 * saved in checkpoints through the given accessors:
 *
 * <pre>{@code
 * ScheduleStepping.of(new CosineAnnealingLR(adam, 20))
 * ScheduleStepping.onMetric("val_loss", new ReduceLROnPlateau(adam).patience(2))
 * new ScheduleStepping(cosine::step, cosine::state, cosine::loadState)   // any other schedule
 * ScheduleStepping.onMetric("val_loss", plateau::step, plateau::state, plateau::loadState)
 * }</pre>
 */
public final class ScheduleStepping implements Callback {
  private final String metric;
  private final DoubleConsumer step;
  private final Supplier<Map<String, Object>> state;
  private final Consumer<Map<String, Object>> load;
  /** Throws what load would throw, changing nothing (accepts all for schedules given as plain functions). */
  private final Consumer<Map<String, Object>> check;

  /**
   * Steps any epoch schedule given as functions. Its saved state is not checked before a resume
   * restores it: a {@code load} that throws midway is undone by the resume, which puts the previous
   * {@code state} back.
   *
   * @param step advances the schedule one epoch
   * @param state returns its JSON-friendly state for checkpoints
   * @param load restores that state on resume
   */
  public ScheduleStepping(Runnable step, Supplier<Map<String, Object>> state, Consumer<Map<String, Object>> load) {
    this(null, v -> step.run(), state, load, s -> {});
  }

  private ScheduleStepping(String metric, DoubleConsumer step, Supplier<Map<String, Object>> state,
      Consumer<Map<String, Object>> load, Consumer<Map<String, Object>> check) {
    this.metric = metric;
    this.step = step;
    this.state = state;
    this.load = load;
    this.check = check;
  }

  /**
   * Steps an epoch schedule (StepLR, CosineAnnealingLR, ...) after every epoch, saving and checking
   * its state through the schedule itself.
   *
   * @param schedule the schedule, made over the trainer's optimizer
   * @return a new callback
   */
  public static ScheduleStepping of(org.jdnn.optim.schedule.LRSchedule schedule) {
    return new ScheduleStepping(null, v -> schedule.step(), schedule::state, schedule::loadState, schedule::checkState);
  }

  /**
   * Steps a reduce-on-plateau schedule with the value of {@code metric} after every epoch.
   *
   * @param metric a logged name, e.g. "val_loss"; a fit whose logs lack it throws
   *     IllegalStateException at the first epoch end
   * @param schedule the schedule, made over the trainer's optimizer
   * @return a new callback
   * @throws IllegalArgumentException when {@code metric} is null or empty
   */
  public static ScheduleStepping onMetric(String metric, org.jdnn.optim.schedule.ReduceLROnPlateau schedule) {
    return new ScheduleStepping(metricName(metric), schedule::step, schedule::state, schedule::loadState, schedule::checkState);
  }

  /**
   * Steps any metric-driven schedule given as functions: step(value of {@code metric} this epoch).
   *
   * @param metric a logged name, e.g. "val_loss"
   * @param step receives the epoch's value of {@code metric}
   * @param state returns the schedule's JSON-friendly state for checkpoints
   * @param load restores that state on resume
   * @return a new callback
   * @throws IllegalArgumentException when {@code metric} is null or empty
   */
  public static ScheduleStepping onMetric(String metric, DoubleConsumer step, Supplier<Map<String, Object>> state,
      Consumer<Map<String, Object>> load) {
    return new ScheduleStepping(metricName(metric), step, state, load, s -> {});
  }

  private static String metricName(String metric) {
    if (metric == null || metric.isEmpty()) throw new IllegalArgumentException("ScheduleStepping: metric name must not be empty");
    return metric;
  }

  /**
   * {@inheritDoc}
   *
   * @return -10: before the other callbacks, so a checkpoint saves the stepped schedule
   */
  @Override
  public int order() {
    return -10;
  }


  @Override
  public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
    if (metric == null) {
      step.accept(Double.NaN);
      return;
    }
    Double v = logs.get(metric);
    if (v == null) throw new IllegalStateException("ScheduleStepping: metric '" + metric + "' not logged; available " + logs.keySet());
    step.accept(v);
  }

  @Override
  public Map<String, Object> state() {
    return state.get();
  }

  @Override
  public void loadState(Map<String, Object> s) {
    load.accept(s);
  }

  @Override
  public void checkState(Trainer trainer, Map<String, Object> s, Map<String, Tensor> tensors) {
    if (!tensors.isEmpty()) throw new IllegalArgumentException("ScheduleStepping: saves no tensors, got " + tensors.keySet());
    check.accept(s);
  }
}
