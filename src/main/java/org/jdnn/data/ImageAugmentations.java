package org.jdnn.data;

import java.util.SplittableRandom;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.RandomOps;
import org.jdnn.tensor.Tensor;

/**
 * The standard image augmentations for (N, C, H, W) float32 batches: random crop after zero
 * padding, horizontal flip, additive Gaussian noise. Each draws per-sample decisions from the seed.
 * Crop and flip work on a host copy of the batch (one read and one write per batch, also for a
 * batch on a GPU); the noise is drawn where the batch is.
 */
public final class ImageAugmentations {
  private ImageAugmentations() {}

  /**
   * Pads each image with {@code padding} zeros on every side and crops an H x W window at a random
   * offset (torchvision's RandomCrop(size, padding)): a random shift of up to {@code padding} pixels.
   *
   * @param padding the largest shift in pixels, at least 0 (0 leaves images unchanged)
   * @return an augmentation of float32 (N, C, H, W) batches
   * @throws IllegalArgumentException when {@code padding} is negative
   */
  public static Augmentation randomCrop(int padding) {
    if (padding < 0) throw new IllegalArgumentException("randomCrop: padding must be >= 0, got " + padding);
    return (x, seed) -> {
      Augmentation.checkImages("randomCrop", x);
      int n = (int) x.dim(0), c = (int) x.dim(1), h = (int) x.dim(2), w = (int) x.dim(3);
      float[] in = floats(x, "randomCrop");
      float[] out = new float[in.length];
      SplittableRandom rng = new SplittableRandom(seed);
      for (int s = 0; s < n; s++) {
        int dy = rng.nextInt(2 * padding + 1) - padding;
        int dx = rng.nextInt(2 * padding + 1) - padding;
        for (int ch = 0; ch < c; ch++) {
          int base = (s * c + ch) * h * w;
          for (int y = 0; y < h; y++) {
            int sy = y + dy;
            if (sy < 0 || sy >= h) continue;
            for (int xx = 0; xx < w; xx++) {
              int sx = xx + dx;
              if (sx >= 0 && sx < w) out[base + y * w + xx] = in[base + sy * w + sx];
            }
          }
        }
      }
      return Tensor.empty(DType.FLOAT32, x.device(), x.shape()).write(out);
    };
  }

  /**
   * Mirrors each image left-right with probability {@code p}.
   *
   * @param p the probability of a flip per image, in [0, 1]
   * @return an augmentation of float32 (N, C, H, W) batches
   * @throws IllegalArgumentException when {@code p} is outside [0, 1] or NaN
   */
  public static Augmentation horizontalFlip(double p) {
    if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("horizontalFlip: probability must be in [0, 1], got " + p);
    return (x, seed) -> {
      Augmentation.checkImages("horizontalFlip", x);
      int n = (int) x.dim(0), c = (int) x.dim(1), h = (int) x.dim(2), w = (int) x.dim(3);
      float[] v = floats(x, "horizontalFlip");
      SplittableRandom rng = new SplittableRandom(seed);
      for (int s = 0; s < n; s++) {
        if (!(rng.nextDouble() < p)) continue;
        for (int row = 0; row < c * h; row++) {
          int base = s * c * h * w + row * w;
          for (int i = 0, j = w - 1; i < j; i++, j--) {
            float t = v[base + i];
            v[base + i] = v[base + j];
            v[base + j] = t;
          }
        }
      }
      return Tensor.empty(DType.FLOAT32, x.device(), x.shape()).write(v);
    };
  }

  /**
   * Adds normal(0, std) noise to every value (any shape); the noise is Philox from the seed.
   *
   * @param std the noise's standard deviation, finite and &gt;= 0
   * @return an augmentation of float tensors of any shape
   * @throws IllegalArgumentException when {@code std} is negative, infinite or NaN
   */
  public static Augmentation gaussianNoise(double std) {

    if (!(std >= 0) || Double.isInfinite(std)) throw new IllegalArgumentException("gaussianNoise: std must be finite and >= 0, got " + std);
    return (x, seed) -> {
      Tensor noise = Tensor.empty(x.dtype(), x.device(), x.shape());
      RandomOps.normal(noise, 0, std, seed, 0);
      Tensor y = x.add(noise);
      noise.close();
      return y;
    };
  }

  private static float[] floats(Tensor x, String who) {
    if (x.dtype() != DType.FLOAT32) throw new IllegalArgumentException(who + ": expected float32 images, got " + x.describe());
    return x.toFloatArray();
  }
}
