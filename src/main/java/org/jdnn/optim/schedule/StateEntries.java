package org.jdnn.optim.schedule;

import java.util.Map;
import java.util.Set;

/** Reading schedule state maps, with errors that name the entry. */
final class StateEntries {
  private StateEntries() {}

  static Number number(String who, Map<String, Object> state, String key) {
    if (state == null) throw new IllegalArgumentException(who + ": state is null");
    Object v = state.get(key);
    if (!(v instanceof Number n)) throw new IllegalArgumentException(who + ": " + key + " must be a Number, got " + v);
    return n;
  }

  static long wholeNumber(String who, Map<String, Object> state, String key) {
    Number n = number(who, state, key);
    if (n.doubleValue() != n.longValue() || n.longValue() < 0 || n.longValue() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(who + ": " + key + " must be a whole number >= 0, got " + n);
    }
    return n.longValue();
  }

  static double nonNegative(String who, Map<String, Object> state, String key) {
    double v = number(who, state, key).doubleValue();
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(who + ": " + key + " must be a finite number >= 0, got " + v);
    }
    return v;
  }

  static void noOthers(String who, Map<String, Object> state, Set<String> known) {
    for (String key : state.keySet()) {
      if (!known.contains(key)) throw new IllegalArgumentException(who + ": unknown entry '" + key + "'");
    }
  }
}
