package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Random fills with Philox counters (element i draws from (seed, offset + i)), so a (seed, offset)
 * pair gives the same numbers on every device. In place, outside the autograd graph; used by
 * {@link Generator} (and through it by org.jdnn.nn's Init and layer constructors) and by tests.
 */
public final class RandomOps {
  private RandomOps() {}

  /**
   * Fills with uniform [low, high) numbers: element i is Philox(seed, offset + i).
   *
   * @param t the tensor to fill in place, float32 or float64
   * @param low the least value
   * @param high the bound above every value, greater than {@code low}
   * @param seed the Philox key
   * @param offset the first counter; the fill uses t.numel() counters
   * @throws IllegalArgumentException when t is not a float tensor or low is not below high
   */
  public static void uniform(Tensor t, double low, double high, long seed, long offset) {
    t.requireFloat("uniform");
    if (!(low < high)) throw new IllegalArgumentException("uniform: low " + low + " must be below high " + high);
    NativeErrors.check(JdnnNative.random_uniform(t.h(), low, high, seed, offset));
  }

  /**
   * Fills with normal(mean, std) numbers: element i is Philox(seed, offset + i) through Box-Muller,
   * whose log and cos jdnn computes with correctly rounded operations only (within 1 ulp of the
   * true values), so every device gives the same bits, not only the same distribution.
   *
   * @param t the tensor to fill in place, float32 or float64
   * @param mean the distribution's mean
   * @param std its standard deviation, at least 0
   * @param seed the Philox key
   * @param offset the first counter; the fill uses t.numel() counters
   * @throws IllegalArgumentException when t is not a float tensor or std is negative or NaN
   */
  public static void normal(Tensor t, double mean, double std, long seed, long offset) {
    t.requireFloat("normal");
    if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
    NativeErrors.check(JdnnNative.random_normal(t.h(), mean, std, seed, offset));
  }
}
