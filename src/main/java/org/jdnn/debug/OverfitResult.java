package org.jdnn.debug;

import java.util.Locale;

/**
 * What an {@link OverfitCheck} saw.
 *
 * @param losses the loss before each step, then after the last (steps + 1 values, fewer when the
 *     loss became NaN or infinite)
 * @param threshold the loss the check asked to go below
 * @param passed whether the last loss is below {@code threshold}
 */
public record OverfitResult(double[] losses, double threshold, boolean passed) {
  /**
   * The loss before training.
   *
   * @return the first recorded loss
   */
  public double initialLoss() {
    return losses[0];
  }

  /**
   * The loss after the last step (or the first non-finite loss).
   *
   * @return the last recorded loss
   */
  public double finalLoss() {
    return losses[losses.length - 1];
  }

  /**
   * A sentence saying what happened and, when the check failed, what to look at.
   *
   * @return the message
   */
  public String message() {
    int steps = losses.length - 1;
    String what = String.format(Locale.ROOT, "the loss went from %.6g to %.6g in %d steps", initialLoss(), finalLoss(), steps);
    if (passed) return String.format(Locale.ROOT, "OverfitCheck passed: %s, below %.6g", what, threshold);
    if (!Double.isFinite(finalLoss())) {
      return "OverfitCheck failed: " + what + ": training diverged; lower the learning rate (an LrRangeTest finds one)";
    }
    return String.format(Locale.ROOT, "OverfitCheck failed: %s, not below %.6g. A model that cannot memorize one batch has a "
        + "bug or too little capacity: check that the loss gets what it expects (logits for CrossEntropyLoss, not "
        + "probabilities), that targets match inputs, that every layer receives a gradient (GradientMonitor), the "
        + "learning rate (LrRangeTest), or train more steps", what, threshold);
  }

  /**
   * Throws when the check failed.
   *
   * @return this result, when it passed
   * @throws IllegalStateException with {@link #message()} when it did not
   */
  public OverfitResult requirePassed() {
    if (!passed) throw new IllegalStateException(message());
    return this;
  }

  @Override
  public String toString() {
    return message();
  }
}
