package org.jdnn.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-epoch metric values of a fit ("loss", "accuracy", "val_loss", ...), in epoch order. */
public final class History {
  private final Map<String, List<Double>> values = new LinkedHashMap<>();
  private int epochs;

  /** Appends one epoch's values. */
  public void record(Map<String, Double> logs) {
    for (Map.Entry<String, Double> e : logs.entrySet()) {
      List<Double> list = values.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
      while (list.size() < epochs) list.add(Double.NaN);
      list.add(e.getValue());
    }
    epochs++;
  }

  public int epochs() {
    return epochs;
  }

  /** Values of {@code metric} per epoch, or an empty list. */
  public List<Double> get(String metric) {
    return Collections.unmodifiableList(values.getOrDefault(metric, List.of()));
  }

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
