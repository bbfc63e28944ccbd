package org.jdnn.train;

/**
 * {@link Trainer#fit} stopped before its last epoch. An epoch stopped during its steps or
 * validation is not recorded (not in the history, no epoch-end callbacks, so no checkpoint of it),
 * while the model holds the updates of its steps so far: to continue exactly, resume from the last
 * checkpoint.
 */
public class TrainingStoppedException extends RuntimeException {
  private final transient History history;
  private final int epoch;
  private final int step;

  TrainingStoppedException(String message, Throwable cause, History history, int epoch, int step) {
    super(message, cause);
    this.history = history;
    this.epoch = epoch;
    this.step = step;
  }

  /** The completed epochs (the trainer's {@link Trainer#history()}). */
  public History history() {
    return history;
  }

  /** Index (from 0) of the epoch that was stopped. */
  public int epoch() {
    return epoch;
  }

  /** Index (from 0) within that epoch of the last training step that ran, or -1 if none did. */
  public int step() {
    return step;
  }
}
