package org.jdnn.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.io.StateEntries;

/** The best value so far of one logged metric, for callbacks that act on improvement. */
final class Monitor {
  final String metric;
  private boolean maximize;
  private double minDelta;
  double best;
  int bestEpoch = -1;

  Monitor(String metric) {
    if (metric == null || metric.isEmpty()) throw new IllegalArgumentException("monitored metric name must not be empty");
    this.metric = metric;
    mode(MonitorMode.AUTO);
  }

  void mode(MonitorMode mode) {
    maximize = mode == MonitorMode.MAX || (mode == MonitorMode.AUTO && metric.contains("acc"));
    reset();
  }

  void minDelta(double value) {
    if (!(value >= 0) || Double.isInfinite(value)) throw new IllegalArgumentException("minDelta must be finite and >= 0, got " + value);
    minDelta = value;
  }

  void reset() {
    best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    bestEpoch = -1;
  }

  double value(Map<String, Double> logs, String who) {
    Double v = logs.get(metric);
    if (v == null) throw new IllegalStateException(who + ": monitored metric '" + metric + "' not logged; available " + logs.keySet());
    return v;
  }

  /** True (and records it) when {@code v} beats the best by more than minDelta. */
  boolean improved(double v, int epoch) {
    boolean better = maximize ? v > best + minDelta : v < best - minDelta;
    if (better) {
      best = v;
      bestEpoch = epoch;
    }
    return better;
  }

  Map<String, Object> state() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("best", Double.isInfinite(best) ? null : best);
    s.put("best_epoch", bestEpoch);
    return s;
  }

  /** Restores {@link #state()}; {@code who} names the owner in errors. */
  void load(String who, Map<String, Object> s) {
    check(who, s);
    reset();
    best = StateEntries.finiteOr(who, s, "best", best);
    bestEpoch = StateEntries.intIn(who, s, "best_epoch", -1);
  }

  /** Throws what {@link #load} would, changing nothing. */
  static void check(String who, Map<String, Object> s) {
    StateEntries.finiteOr(who, s, "best", 0);
    StateEntries.intIn(who, s, "best_epoch", -1);
  }
}
