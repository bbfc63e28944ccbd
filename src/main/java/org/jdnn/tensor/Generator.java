package org.jdnn.tensor;

/**
 * A seeded source of random streams. Each request reserves a range of Philox counters, so the
 * numbers depend only on the seed and the order of requests: the same seed and the same sequence
 * of layer constructions give bit-identical weights on every run and every device.
 */
public final class Generator {
  private static final Generator GLOBAL = new Generator(0x5eed);

  private long seed;
  private long offset;

  public Generator(long seed) {
    this.seed = seed;
  }

  /** The default generator, used by layers created without an explicit one. */
  public static Generator global() {
    return GLOBAL;
  }

  /** Reseeds the default generator (like torch.manual_seed). */
  public static void manualSeed(long seed) {
    GLOBAL.reset(seed);
  }

  public synchronized void reset(long newSeed) {
    seed = newSeed;
    offset = 0;
  }

  public synchronized long seed() {
    return seed;
  }

  /** Counter position of the next request; saved and restored with {@link #setOffset}. */
  public synchronized long offset() {
    return offset;
  }

  public synchronized void setOffset(long value) {
    offset = value;
  }

  /** Reserves {@code count} counters and returns the first. */
  public synchronized long reserve(long count) {
    long start = offset;
    offset += count;
    return start;
  }

  /** Fills {@code t} with uniform [low, high) numbers from this generator. */
  public void uniform(Tensor t, double low, double high) {
    long start;
    long s;
    synchronized (this) {
      s = seed;
      start = reserve(t.numel());
    }
    RandomOps.uniform(t, low, high, s, start);
  }

  /** Fills {@code t} with normal(mean, std) numbers from this generator. */
  public void normal(Tensor t, double mean, double std) {
    long start;
    long s;
    synchronized (this) {
      s = seed;
      start = reserve(t.numel());
    }
    RandomOps.normal(t, mean, std, s, start);
  }
}
