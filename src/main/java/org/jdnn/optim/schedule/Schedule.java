package org.jdnn.optim.schedule;

import java.util.Map;

/**
 * A learning-rate schedule whose progress can be saved with a checkpoint and restored. The
 * state holds Numbers only (JSON-friendly); restore the optimizer's state as well, since the
 * optimizer carries the current learning rates.
 */
public interface Schedule {
  Map<String, Object> state();

  /** Restores {@link #state()}; a missing or malformed entry throws IllegalArgumentException naming it. */
  void loadState(Map<String, Object> state);

  /**
   * Throws what {@link #loadState} would throw for {@code state}, without changing anything, so a
   * resume can check every part of a checkpoint before restoring any. The default accepts all.
   */
  default void checkState(Map<String, Object> state) {}
}
