package org.jdnn.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-epoch metric values of a fit ("loss", "accuracy", "val_loss", ...), in epoch order, and
 * "lr", the learning rate each epoch started with (the optimizer's default group's). The
 * trainer owns one and records each completed epoch; training checkpoints save it, so a resumed
 * fit continues the same history. {@code org.jdnn.plot.TrainingCurves} draws it.
 *
 * <pre>{@code
 * History h = trainer.fit(train, validation);
 * List<Double> valLoss = h.get("val_loss");   // one value per epoch
 * }</pre>
 */
public final class History {
  private final Map<String, List<Double>> values = new LinkedHashMap<>();
  private int epochs;

  /** An empty history (no epochs). */
  public History() {}

  /**
   * Appends one epoch's values. A metric missing from earlier epochs gets NaN for them, so every
   * list is indexed by epoch.
   *
   * @param logs the epoch's values by name
   */
  public void record(Map<String, Double> logs) {
    for (Map.Entry<String, Double> e : logs.entrySet()) {
      List<Double> list = values.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
      while (list.size() < epochs) list.add(Double.NaN);
      list.add(e.getValue());
    }
    epochs++;
  }

  /**
   * The number of epochs recorded.
   *
   * @return the count, at least 0
   */
  public int epochs() {
    return epochs;
  }

  /**
   * Values of {@code metric} per epoch.
   *
   * @param metric a logged name, e.g. "loss" or "val_accuracy"
   * @return an unmodifiable view, index = epoch (it may end before the last epoch if the metric
   *     stopped being logged); empty for a name never logged
   */
  public List<Double> get(String metric) {
    return Collections.unmodifiableList(values.getOrDefault(metric, List.of()));
  }

  /**
   * The names logged so far.
   *
   * @return a new list, in the order each name first appeared
   */
  public List<String> metrics() {

    return new ArrayList<>(values.keySet());
  }

  /** The whole history as JSON-friendly maps (stored in checkpoints). */
  Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<Double>> e : values.entrySet()) out.put(e.getKey(), new ArrayList<>(e.getValue()));
    return out;
  }

  /** A history of {@code epochs} epochs holding {@code values} (lists of at most that many values). */
  static History restored(Map<String, List<Double>> values, int epochs) {
    History h = new History();
    for (Map.Entry<String, List<Double>> e : values.entrySet()) h.values.put(e.getKey(), new ArrayList<>(e.getValue()));
    h.epochs = epochs;
    return h;
  }

  @Override
  public String toString() {
    return "History" + values;
  }
}
