package org.jdnn.train;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;

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

  public ScheduleStepping(Runnable step, Supplier<Map<String, Object>> state, Consumer<Map<String, Object>> load) {
    this(null, v -> step.run(), state, load);
  }

  private ScheduleStepping(String metric, DoubleConsumer step, Supplier<Map<String, Object>> state,
      Consumer<Map<String, Object>> load) {
    this.metric = metric;
    this.step = step;
    this.state = state;
    this.load = load;
  }

  /** Steps an epoch schedule (StepLR, CosineAnnealingLR, ...) after every epoch. */
  public static ScheduleStepping of(org.jdnn.optim.schedule.LRSchedule schedule) {
    return new ScheduleStepping(schedule::step, schedule::state, schedule::loadState);
  }

  /** Steps a reduce-on-plateau schedule with the value of {@code metric} after every epoch. */
  public static ScheduleStepping onMetric(String metric, org.jdnn.optim.schedule.ReduceLROnPlateau schedule) {
    return onMetric(metric, schedule::step, schedule::state, schedule::loadState);
  }

  /** For plateau schedules: step(value of {@code metric} this epoch). */
  public static ScheduleStepping onMetric(String metric, DoubleConsumer step, Supplier<Map<String, Object>> state,
      Consumer<Map<String, Object>> load) {
    if (metric == null || metric.isEmpty()) throw new IllegalArgumentException("ScheduleStepping: metric name must not be empty");
    return new ScheduleStepping(metric, step, state, load);
  }

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
}
