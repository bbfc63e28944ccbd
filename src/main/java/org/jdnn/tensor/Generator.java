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

  /**
   * A generator at the start of {@code seed}'s stream.
   *
   * @param seed any value; equal seeds give equal numbers
   */
  public Generator(long seed) {
    this.seed = seed;
  }

  /**
   * The default generator, used by layers created without an explicit one (seed 0x5eed at start).
   *
   * @return the process-wide generator, shared by every thread
   */
  public static Generator global() {
    return GLOBAL;
  }

  /**
   * Reseeds the default generator (like torch.manual_seed) and rewinds its counter.
   *
   * @param seed the new seed
   */
  public static void manualSeed(long seed) {
    GLOBAL.reset(seed);
  }

  /**
   * Starts {@code newSeed}'s stream from its beginning.
   *
   * @param newSeed the new seed
   */
  public synchronized void reset(long newSeed) {
    seed = newSeed;
    offset = 0;
  }

  /**
   * The seed.
   *
   * @return the seed given at construction or by the last reset
   */
  public synchronized long seed() {
    return seed;
  }

  /**
   * Counter position of the next request; saved and restored with {@link #setOffset}.
   *
   * @return the number of counters reserved since the seed was set
   */
  public synchronized long offset() {
    return offset;
  }

  /**
   * Moves the counter, as a resumed run does to continue the stream where it stopped.
   *
   * @param value a value {@link #offset()} returned
   */
  public synchronized void setOffset(long value) {
    offset = value;
  }

  /**
   * Reserves {@code count} counters for a caller that draws its own numbers (dropout masks).
   *
   * @param count how many counters, at least 0
   * @return the first reserved counter
   */
  public synchronized long reserve(long count) {
    long start = offset;
    offset += count;
    return start;
  }

  /**
   * Fills {@code t} in place with uniform [low, high) numbers from this generator, reserving one
   * counter per element, so the values do not depend on the device.
   *
   * @param t a float32 or float64 tensor
   * @param low the least value
   * @param high the bound above every value, greater than {@code low}
   * @throws IllegalArgumentException when {@code t} is not a float tensor or {@code low} is not
   *     below {@code high} (the counters are reserved all the same)
   */
  public void uniform(Tensor t, double low, double high) {
    CudaGraph.refuseCapture(t.device(), "Generator.uniform (its offset advances at every call)");
    long start;
    long s;
    synchronized (this) {
      s = seed;
      start = reserve(t.numel());
    }
    RandomOps.uniform(t, low, high, s, start);
  }

  /**
   * Fills {@code t} in place with normal(mean, std) numbers from this generator, reserving one
   * counter per element.
   *
   * @param t a float32 or float64 tensor
   * @param mean the distribution's mean
   * @param std its standard deviation, at least 0
   * @throws IllegalArgumentException when {@code t} is not a float tensor or {@code std} is
   *     negative or NaN (the counters are reserved all the same)
   */
  public void normal(Tensor t, double mean, double std) {
    CudaGraph.refuseCapture(t.device(), "Generator.normal (its offset advances at every call)");
    long start;
    long s;
    synchronized (this) {
      s = seed;
      start = reserve(t.numel());
    }
    RandomOps.normal(t, mean, std, s, start);
  }
}
