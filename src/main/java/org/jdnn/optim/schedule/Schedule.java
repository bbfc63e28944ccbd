package org.jdnn.optim.schedule;

import java.util.Map;

/**
 * A learning-rate schedule whose progress can be saved with a checkpoint and restored. The
 * state holds Numbers only (JSON-friendly); restore the optimizer's state as well, since the
 * optimizer carries the current learning rates.
 */
public interface Schedule {
  /**
   * The schedule's progress, to save with a checkpoint.
   *
   * @return a new map of Numbers only, keyed by torch's names where torch has them
   */
  Map<String, Object> state();

  /**
   * Restores what {@link #state()} returned, possibly after a JSON round trip (any Number type).
   *
   * @param state the saved progress
   * @throws IllegalArgumentException when an entry is missing, unknown, not a Number or out of
   *     range, naming it
   */
  void loadState(Map<String, Object> state);

  /**
   * Throws what {@link #loadState} would throw for {@code state}, without changing anything, so a
   * resume can check every part of a checkpoint before restoring any. The default accepts all.
   *
   * @param state the saved progress
   * @throws IllegalArgumentException when {@link #loadState} would refuse {@code state}
   */
  default void checkState(Map<String, Object> state) {}

}
