package org.jdnn.optim.schedule;

/**
 * The linear scaling rule (Goyal et al., "Accurate, Large Minibatch SGD"): when the batch grows k
 * times, so does the learning rate. Pair large-batch rates with a warm-up ({@link
 * CosineAnnealingLR}'s), as that paper does.
 */
public final class LinearScaling {
  private LinearScaling() {}

  /** baseLr * batch / baseBatch: the rate for {@code batch} given one tuned at {@code baseBatch}. */
  public static double lr(double baseLr, int baseBatch, int batch) {
    if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
      throw new IllegalArgumentException("LinearScaling: baseLr must be a finite number >= 0, got " + baseLr);
    }
    if (baseBatch < 1) throw new IllegalArgumentException("LinearScaling: baseBatch must be >= 1, got " + baseBatch);
    if (batch < 1) throw new IllegalArgumentException("LinearScaling: batch must be >= 1, got " + batch);
    return baseLr * batch / baseBatch;
  }
}
