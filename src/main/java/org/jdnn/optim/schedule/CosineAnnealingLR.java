package org.jdnn.optim.schedule;

import org.jdnn.optim.Optimizer;

/**
 * torch's CosineAnnealingLR (closed form, no restarts): lr = etaMin + (base - etaMin) (1 +
 * cos(pi e / tMax)) / 2 at epoch e; past tMax the cosine continues (rising again), as torch's.
 *
 * <p>With a linear warm-up of W epochs and start factor s, tMax counts the warm-up too: for e
 * &lt; W, lr = base (s + (1 - s) e / W), rising linearly from s base; from e = W on, the cosine
 * above runs over the remaining tMax - W epochs, lr = etaMin + (base - etaMin) (1 + cos(pi (e -
 * W) / (tMax - W))) / 2, starting at base. This equals torch's SequentialLR([LinearLR(s,
 * total_iters=W), CosineAnnealingLR(tMax - W, etaMin)], milestones=[W]). Warm-up usually counts
 * batches: step per batch then, with tMax and W in batches.
 */
public final class CosineAnnealingLR extends LRSchedule {
  private final int tMax;
  private final double etaMin;
  private final int warmup;
  private final double warmupStartFactor;

  /**
   * A cosine from the base rates down to 0 over {@code tMax} steps; sets epoch 0's rates.
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param tMax the steps of the half cosine, at least 1
   * @throws IllegalArgumentException when {@code optimizer} is null or {@code tMax} &lt; 1
   */
  public CosineAnnealingLR(Optimizer optimizer, int tMax) {
    this(optimizer, tMax, 0);
  }

  /**
   * A cosine from the base rates down to {@code etaMin} over {@code tMax} steps; sets epoch 0's
   * rates.
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param tMax the steps of the half cosine, at least 1
   * @param etaMin the rate reached at step tMax, finite and &gt;= 0
   * @throws IllegalArgumentException when {@code optimizer} is null, {@code tMax} &lt; 1 or
   *     {@code etaMin} is negative, infinite or NaN
   */
  public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
    this(optimizer, tMax, etaMin, 0, 1);
  }

  /**
   * With a linear warm-up over the first {@code warmup} of the tMax epochs, from
   * {@code warmupStartFactor} * base; sets epoch 0's rates.
   *
   * @param optimizer the optimizer whose current rates become the base rates
   * @param tMax the steps of warm-up and cosine together, at least 1
   * @param etaMin the rate reached at step tMax, finite and &gt;= 0
   * @param warmup the warm-up's steps, in [0, tMax); 0 for none
   * @param warmupStartFactor the fraction of the base rate the warm-up starts from, in (0, 1]
   * @throws IllegalArgumentException when {@code optimizer} is null or a value is out of range
   */
  public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin, int warmup, double warmupStartFactor) {

    super(optimizer);
    if (tMax < 1) throw new IllegalArgumentException("CosineAnnealingLR: tMax must be >= 1, got " + tMax);
    if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
      throw new IllegalArgumentException("CosineAnnealingLR: etaMin must be a finite number >= 0, got " + etaMin);
    }
    if (warmup < 0 || warmup >= tMax) {
      throw new IllegalArgumentException("CosineAnnealingLR: warmup must be in [0, tMax=" + tMax + "), got " + warmup);
    }
    if (!(warmupStartFactor > 0 && warmupStartFactor <= 1)) {
      throw new IllegalArgumentException("CosineAnnealingLR: warmupStartFactor must be in (0, 1], got " + warmupStartFactor);
    }
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.warmup = warmup;
    this.warmupStartFactor = warmupStartFactor;
    start();
  }

  @Override
  protected double lrAt(double base, int epoch) {
    if (epoch < warmup) return base * (warmupStartFactor + (1 - warmupStartFactor) * epoch / warmup);
    double t = epoch - warmup;
    return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * t / (tMax - warmup))) / 2;
  }
}
