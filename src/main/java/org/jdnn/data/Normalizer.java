package org.jdnn.data;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Input standardization x' = (x - mean) / std, with statistics fitted on training data: per
 * feature for (N, F) inputs, per channel for (N, C, H, W) images (over N, H and W, as image
 * pipelines do). The standard deviation is the biased one; a constant feature (std at most 1e-12)
 * gets std 1, so it maps to 0 instead of dividing by zero. Saved with the model (ModelFile) so
 * predictions see inputs scaled exactly as in training. An immutable value: it holds Java arrays,
 * no native memory.
 *
 * <pre>{@code
 * Normalizer norm = Normalizer.fit(train);          // statistics of the training split only
 * trainer.normalizer(norm);                          // applied to every batch, saved with the model
 * }</pre>
 */
public final class Normalizer {
  private final boolean perChannel;
  private final double[] mean;
  private final double[] std;

  /**
   * A normalizer with known statistics (as read from a model file).
   *
   * @param perChannel true for (N, C, H, W) images, false for (N, F) features
   * @param mean one finite mean per channel or feature; copied
   * @param std one positive finite standard deviation per channel or feature; copied
   * @throws IllegalArgumentException when the arrays are empty or differ in length, or a value is
   *     out of range
   */
  public Normalizer(boolean perChannel, double[] mean, double[] std) {
    if (mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException("Normalizer: mean and std must have the same non-zero length, got " + mean.length
          + " and " + std.length);
    }
    for (int i = 0; i < mean.length; i++) {
      if (!Double.isFinite(mean[i]) || !(std[i] > 0) || !Double.isFinite(std[i])) {
        throw new IllegalArgumentException("Normalizer: entry " + i + " needs a finite mean and a positive finite std, got mean="
            + mean[i] + ", std=" + std[i]);
      }
    }
    this.perChannel = perChannel;
    this.mean = mean.clone();
    this.std = std.clone();
  }

  /**
   * Fits per-feature statistics on (N, F) data or per-channel statistics on (N, C, H, W) data.
   *
   * @param x the training inputs, float32 or float64, on any device; not changed
   * @return a new normalizer (two host reads of the statistics)
   * @throws IllegalArgumentException when {@code x} is not of rank 2 or 4, or has no samples
   */
  public static Normalizer fit(Tensor x) {
    if (x.rank() != 2 && x.rank() != 4) {
      throw new IllegalArgumentException("Normalizer.fit: expected (N, F) features or (N, C, H, W) images, got " + x.describe());
    }
    if (x.dim(0) == 0) throw new IllegalArgumentException("Normalizer.fit: no samples in " + x.describe());
    boolean images = x.rank() == 4;
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor m = reduce(x, images);
      Tensor var = reduce(x.sub(m).square(), images);
      double[] mean = m.to(DType.FLOAT64).toDoubleArray();
      double[] sd = var.to(DType.FLOAT64).sqrt().toDoubleArray();
      for (int i = 0; i < sd.length; i++) if (!(sd[i] > 1e-12)) sd[i] = 1;
      return new Normalizer(images, mean, sd);
    }
  }

  /**
   * Fits the statistics of a dataset's features, as {@link #fit(Tensor)}.
   *
   * @param data the training split
   * @return a new normalizer
   * @throws IllegalArgumentException when the features are not of rank 2 or 4, or there are none
   */
  public static Normalizer fit(ArrayDataset data) {
    return fit(data.features());
  }

  // Mean over every dimension but the feature/channel one, keeping dims so it broadcasts back.
  private static Tensor reduce(Tensor x, boolean images) {
    return images ? x.mean(3, true).mean(2, true).mean(0, true) : x.mean(0, true);
  }

  /**
   * Whether statistics are per channel.
   *
   * @return true for (N, C, H, W) images, false for (N, F) features
   */
  public boolean isPerChannel() {
    return perChannel;
  }

  /**
   * The means.
   *
   * @return a copy, one per channel or feature
   */
  public double[] mean() {
    return mean.clone();
  }

  /**
   * The standard deviations.
   *
   * @return a copy, one per channel or feature, each positive
   */
  public double[] std() {
    return std.clone();
  }

  /**
   * Normalizes a batch: (x - mean) / std, computed on x's device in x's dtype.
   *
   * @param x (N, F) features or (N, C, H, W) images matching the fitted statistics; not changed
   * @return a new tensor in the caller's innermost open scope (else owned by the caller), in the
   *     autograd graph when x is
   * @throws IllegalArgumentException when x's rank or feature/channel count does not match
   */
  public Tensor apply(Tensor x) {
    boolean ok = perChannel ? x.rank() == 4 && x.dim(1) == mean.length : x.rank() == 2 && x.dim(1) == mean.length;
    if (!ok) {
      throw new IllegalArgumentException("Normalizer: expected " + (perChannel ? "(N, " + mean.length + ", H, W) images"
          : "(N, " + mean.length + ") features") + ", got " + x.describe());
    }
    long[] shape = perChannel ? new long[] {mean.length, 1, 1} : new long[] {mean.length};
    try (TensorScope s = new TensorScope()) {
      // on the input's device, whatever this thread's default device is
      Tensor m = Tensor.empty(DType.FLOAT64, x.device(), shape).write(mean).to(x.dtype());
      Tensor inv = Tensor.empty(DType.FLOAT64, x.device(), shape).write(reciprocals(std)).to(x.dtype());
      return s.escape(x.sub(m).mul(inv));
    }
  }

  /**
   * A new dataset with normalized features and a copy of the targets; {@code data} stays open.
   *
   * @param data the dataset to normalize
   * @return a new dataset that the caller closes
   * @throws IllegalArgumentException when the features do not match the statistics
   */
  public ArrayDataset apply(ArrayDataset data) {

    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = apply(data.features());
      Tensor y = data.targets().to(data.targets().dtype());
      return ArrayDataset.of(x, y);
    }
  }

  private static double[] reciprocals(double[] v) {
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) r[i] = 1.0 / v[i];
    return r;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Normalizer)) return false;
    Normalizer n = (Normalizer) o;
    return perChannel == n.perChannel && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(mean) * 31 + Arrays.hashCode(std) + (perChannel ? 1 : 0);
  }

  @Override
  public String toString() {
    return "Normalizer(" + (perChannel ? "per channel" : "per feature") + ", " + mean.length + " entries)";
  }
}
