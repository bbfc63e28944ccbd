package org.jdnn.optim.schedule;

/**
 * The linear scaling rule (Goyal et al., "Accurate, Large Minibatch SGD"): when the batch grows k
 * times, so does the learning rate. Pair large-batch rates with a warm-up ({@link
 * CosineAnnealingLR}'s), as that paper does.
 */
public final class LinearScaling {
  private LinearScaling() {}

  /**
   * The rate for {@code batch} given one tuned at {@code baseBatch}: baseLr * batch / baseBatch.
   *
   * @param baseLr the tuned learning rate, finite and &gt;= 0
   * @param baseBatch the batch size it was tuned at, at least 1
   * @param batch the batch size to train with, at least 1
   * @return the scaled learning rate
   * @throws IllegalArgumentException when a value is out of range
   */
  public static double lr(double baseLr, int baseBatch, int batch) {

    if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
      throw new IllegalArgumentException("LinearScaling: baseLr must be a finite number >= 0, got " + baseLr);
    }
    if (baseBatch < 1) throw new IllegalArgumentException("LinearScaling: baseBatch must be >= 1, got " + baseBatch);
    if (batch < 1) throw new IllegalArgumentException("LinearScaling: batch must be >= 1, got " + batch);
    return baseLr * batch / baseBatch;
  }
}
