package org.jdnn.data;

import java.util.SplittableRandom;
import org.jdnn.tensor.Tensor;

/**
 * A random transform of a batch of (N, C, H, W) images. The randomness comes only from
 * {@code seed}: the same seed gives the same augmentation, so a seeded run (and a resumed one)
 * sees identical batches. The result is a new tensor in the caller's scope; the input is not changed.
 */
@FunctionalInterface
public interface Augmentation {
  Tensor apply(Tensor images, long seed);

  /** Applies {@code parts} in order, each with its own seed derived from {@code seed}. */
  static Augmentation compose(Augmentation... parts) {
    Augmentation[] copy = parts.clone();
    return (x, seed) -> {
      SplittableRandom seeds = new SplittableRandom(seed);
      Tensor y = x;
      for (Augmentation a : copy) y = a.apply(y, seeds.nextLong());
      return y;
    };
  }

  /** Seed of batch {@code index} of {@code epoch} in a run seeded with {@code seed}. */
  static long batchSeed(long seed, int epoch, int index) {
    return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1))).split().nextLong() + 0xBF58476D1CE4E5B9L * index;
  }

  static void checkImages(String who, Tensor x) {
    if (x.rank() != 4) throw new IllegalArgumentException(who + ": expected (N, C, H, W) images, got " + x.describe());
  }
}
