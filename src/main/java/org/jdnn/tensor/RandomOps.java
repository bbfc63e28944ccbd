package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Random fills with Philox counters (element i draws from (seed, offset + i)), so a (seed, offset)
 * pair gives the same numbers on every device. In place, outside the autograd graph; used by
 * org.jdnn.init and the generators.
 */
public final class RandomOps {
  private RandomOps() {}

  /** Fills with uniform [low, high) numbers: element i is Philox(seed, offset + i). */
  public static void uniform(Tensor t, double low, double high, long seed, long offset) {
    t.requireFloat("uniform");
    if (!(low < high)) throw new IllegalArgumentException("uniform: low " + low + " must be below high " + high);
    NativeErrors.check(JdnnNative.random_uniform(t.h(), low, high, seed, offset));
  }

  /** Fills with normal(mean, std) numbers: element i is Philox(seed, offset + i). */
  public static void normal(Tensor t, double mean, double std, long seed, long offset) {
    t.requireFloat("normal");
    if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
    NativeErrors.check(JdnnNative.random_normal(t.h(), mean, std, seed, offset));
  }
}
