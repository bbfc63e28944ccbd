package org.jdnn.train;

/** A training step's loss was NaN or infinite ({@link Trainer#stopOnNonFiniteLoss}). */
public final class NonFiniteLossException extends TrainingStoppedException {
  NonFiniteLossException(String message, History history, int epoch, int step) {
    super(message, null, history, epoch, step);
  }
}
