package org.jdnn.io;

import java.util.Map;
import java.util.Set;

/**
 * Reading the JSON-friendly state maps that optimizers, schedules and callbacks save in checkpoints,
 * with IllegalArgumentExceptions that name the owner ({@code who}), the entry, what it must be and
 * what it is.
 */
public final class StateEntries {
  private StateEntries() {}

  public static Number number(String who, Map<String, Object> state, String key) {
    if (state == null) throw new IllegalArgumentException(who + ": state is null");
    Object v = state.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(who + ": " + key + " must be a Number, got "
          + (state.containsKey(key) ? v instanceof String ? "\"" + v + "\"" : v : "none (missing)"));
    }
    return n;
  }

  /** A whole number in [0, Integer.MAX_VALUE]. */
  public static long wholeNumber(String who, Map<String, Object> state, String key) {
    return intIn(who, state, key, 0);
  }

  /** A whole number in [{@code min}, Integer.MAX_VALUE]. */
  public static int intIn(String who, Map<String, Object> state, String key, int min) {
    Number n = number(who, state, key);
    if (n.doubleValue() != n.longValue() || n.longValue() < min || n.longValue() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(who + ": " + key + " must be a whole number >= " + min + ", got " + n);
    }
    return (int) n.longValue();
  }

  public static double nonNegative(String who, Map<String, Object> state, String key) {
    double v = number(who, state, key).doubleValue();
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(who + ": " + key + " must be a finite number >= 0, got " + v);
    }
    return v;
  }

  /** A finite number, or {@code absent} when the entry is null (JSON has no infinity); it must be present. */
  public static double finiteOr(String who, Map<String, Object> state, String key, double absent) {
    if (state != null && state.containsKey(key) && state.get(key) == null) return absent;
    double v = number(who, state, key).doubleValue();
    if (!Double.isFinite(v)) throw new IllegalArgumentException(who + ": " + key + " must be a finite number, got " + v);
    return v;
  }

  public static void noOthers(String who, Map<String, Object> state, Set<String> known) {
    for (String key : state.keySet()) {
      if (!known.contains(key)) throw new IllegalArgumentException(who + ": unknown entry '" + key + "', expected only " + known);
    }
  }
}
