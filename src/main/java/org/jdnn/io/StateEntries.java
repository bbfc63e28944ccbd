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

  /**
   * A Number entry.
   *
   * @param who names the owner in errors, e.g. "StepLR.loadState"
   * @param state the saved state
   * @param key the entry's name
   * @return the entry's value, of any Number type
   * @throws IllegalArgumentException when {@code state} is null or the entry is missing or not a
   *     Number
   */
  public static Number number(String who, Map<String, Object> state, String key) {
    if (state == null) throw new IllegalArgumentException(who + ": state is null");
    Object v = state.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(who + ": " + key + " must be a Number, got "
          + (state.containsKey(key) ? v instanceof String ? "\"" + v + "\"" : v : "none (missing)"));
    }
    return n;
  }

  /**
   * A whole number in [0, Integer.MAX_VALUE].
   *
   * @param who names the owner in errors
   * @param state the saved state
   * @param key the entry's name
   * @return the value
   * @throws IllegalArgumentException when the entry is missing, not a Number, not whole, or out of
   *     range
   */
  public static long wholeNumber(String who, Map<String, Object> state, String key) {
    return intIn(who, state, key, 0);
  }

  /**
   * A whole number in [{@code min}, Integer.MAX_VALUE].
   *
   * @param who names the owner in errors
   * @param state the saved state
   * @param key the entry's name
   * @param min the least value allowed
   * @return the value
   * @throws IllegalArgumentException when the entry is missing, not a Number, not whole, or out of
   *     range
   */
  public static int intIn(String who, Map<String, Object> state, String key, int min) {
    Number n = number(who, state, key);
    if (n.doubleValue() != n.longValue() || n.longValue() < min || n.longValue() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(who + ": " + key + " must be a whole number >= " + min + ", got " + n);
    }
    return (int) n.longValue();
  }

  /**
   * A finite number &gt;= 0.
   *
   * @param who names the owner in errors
   * @param state the saved state
   * @param key the entry's name
   * @return the value as a double
   * @throws IllegalArgumentException when the entry is missing, not a Number, negative, infinite or
   *     NaN
   */
  public static double nonNegative(String who, Map<String, Object> state, String key) {
    double v = number(who, state, key).doubleValue();
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(who + ": " + key + " must be a finite number >= 0, got " + v);
    }
    return v;
  }

  /**
   * A finite number, or {@code absent} when the entry is null (JSON has no infinity, so an
   * infinite value is saved as null); the key itself must be present.
   *
   * @param who names the owner in errors
   * @param state the saved state
   * @param key the entry's name
   * @param absent the value a null entry stands for, e.g. +infinity
   * @return the value, or {@code absent}
   * @throws IllegalArgumentException when the key is missing, or its value is neither null nor a
   *     finite Number
   */
  public static double finiteOr(String who, Map<String, Object> state, String key, double absent) {
    if (state != null && state.containsKey(key) && state.get(key) == null) return absent;
    double v = number(who, state, key).doubleValue();
    if (!Double.isFinite(v)) throw new IllegalArgumentException(who + ": " + key + " must be a finite number, got " + v);
    return v;
  }

  /**
   * Refuses entries an owner does not know (a state saved by something else).
   *
   * @param who names the owner in errors
   * @param state the saved state
   * @param known every key the owner reads
   * @throws IllegalArgumentException naming the first unknown key
   */
  public static void noOthers(String who, Map<String, Object> state, Set<String> known) {

    for (String key : state.keySet()) {
      if (!known.contains(key)) throw new IllegalArgumentException(who + ": unknown entry '" + key + "', expected only " + known);
    }
  }
}
