package org.jdnn.train;

/**
 * {@link Trainer#fit} stopped before its last epoch. An epoch stopped during its steps or
 * validation is not recorded (not in the history, no epoch-end callbacks, so no checkpoint of it),
 * while the model holds the updates of its steps so far: to continue exactly, resume from the last
 * checkpoint.
 */
public class TrainingStoppedException extends RuntimeException {
  private final transient History history;
  /** Index, from 0, of the stopped epoch. */
  private final int epoch;
  /** Index within the epoch of the last step that ran, -1 for none. */
  private final int step;


  TrainingStoppedException(String message, Throwable cause, History history, int epoch, int step) {
    super(message, cause);
    this.history = history;
    this.epoch = epoch;
    this.step = step;
  }

  /**
   * The completed epochs.
   *
   * @return the trainer's {@link Trainer#history()} (the same object, not a copy); null after the
   *     exception was serialized
   */
  public History history() {
    return history;
  }

  /**
   * The epoch that was stopped.
   *
   * @return its index, from 0
   */
  public int epoch() {
    return epoch;
  }

  /**
   * The last training step that ran in the stopped epoch.
   *
   * @return its index within the epoch, from 0, or -1 if none did
   */
  public int step() {

    return step;
  }
}
