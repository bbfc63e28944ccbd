package org.jdnn.data;

import java.util.SplittableRandom;
import org.jdnn.tensor.Tensor;

/**
 * A random transform of a batch of (N, C, H, W) images. The randomness comes only from
 * {@code seed}: the same seed gives the same augmentation, so a seeded run (and a resumed one)
 * sees identical batches. The result is a new tensor in the caller's scope; the input is not changed.
 *
 * <pre>{@code
 * trainer.augmentation(Augmentation.compose(
 *     ImageAugmentations.randomCrop(4), ImageAugmentations.horizontalFlip(0.5)));
 * }</pre>
 */
@FunctionalInterface
public interface Augmentation {
  /**
   * Transforms one batch.
   *
   * @param images a batch of (N, C, H, W) images; not changed or closed
   * @param seed the batch's seed ({@link #batchSeed}); the same seed must give the same result
   * @return a new tensor of the same shape, dtype and device, in the caller's innermost open scope
   *     (else owned by the caller)
   * @throws IllegalArgumentException when {@code images} does not fit the augmentation (e.g. not
   *     (N, C, H, W), or not float32)
   */
  Tensor apply(Tensor images, long seed);


  /**
   * Applies {@code parts} in order, each with its own seed derived from {@code seed}.
   *
   * @param parts the augmentations; the array is copied
   * @return an augmentation that runs them one after the other (intermediate results stay in the
   *     caller's scope until it closes)
   */
  static Augmentation compose(Augmentation... parts) {
    Augmentation[] copy = parts.clone();
    return (x, seed) -> {
      SplittableRandom seeds = new SplittableRandom(seed);
      Tensor y = x;
      for (Augmentation a : copy) y = a.apply(y, seeds.nextLong());
      return y;
    };
  }

  /**
   * The seed of one batch, a pure function of its position, so a resumed run augments as an
   * uninterrupted one.
   *
   * @param seed the run's seed
   * @param epoch the epoch's index, from 0
   * @param index the batch's index within the epoch, from 0
   * @return the seed to pass to {@link #apply}
   */
  static long batchSeed(long seed, int epoch, int index) {
    return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1))).split().nextLong() + 0xBF58476D1CE4E5B9L * index;
  }

  /**
   * The check every image augmentation makes first.
   *
   * @param who names the augmentation in the error
   * @param x the batch to check
   * @throws IllegalArgumentException when {@code x} is not of rank 4
   */
  static void checkImages(String who, Tensor x) {

    if (x.rank() != 4) throw new IllegalArgumentException(who + ": expected (N, C, H, W) images, got " + x.describe());
  }
}
