package org.jdnn.train;

/**
 * {@link Trainer#fit} saw its thread interrupted and stopped before the next step; the thread's
 * interrupt flag stays set, so code above the fit sees the interrupt too.
 */
public final class TrainingInterruptedException extends TrainingStoppedException {
  TrainingInterruptedException(String message, Throwable cause, History history, int epoch, int step) {
    super(message, cause, history, epoch, step);
  }
}
