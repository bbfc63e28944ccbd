package org.jdnn.data;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * An in-memory dataset held in native memory: N samples of a fixed shape with either integer class
 * labels or float targets. Batches are gathered natively from it (no per-sample Java work). Owns
 * its tensors: close it when done.
 */
public final class ArrayDataset implements AutoCloseable {
  private final Tensor features;
  private final Tensor targets;
  private final int size;

  private ArrayDataset(Tensor features, Tensor targets) {
    this.features = features.keep();
    this.targets = targets.keep();
    this.size = (int) features.dim(0);
  }

  /** A dataset owning {@code features} (N, ...) and {@code targets} (N, ...); both are taken out of any scope. */
  public static ArrayDataset of(Tensor features, Tensor targets) {
    if (features.rank() < 1 || targets.rank() < 1 || features.dim(0) != targets.dim(0)) {
      throw new IllegalArgumentException("ArrayDataset: features " + features.describe() + " and targets " + targets.describe()
          + " must have the same number of rows");
    }
    return new ArrayDataset(features, targets);
  }

  /** Samples of {@code sampleShape} (row-major, back to back) with class labels. */
  public static ArrayDataset withLabels(float[] features, long[] sampleShape, int[] labels) {
    int n = labels.length;
    long[] shape = withLeading(n, sampleShape);
    checkLength("features", features.length, shape);
    return new ArrayDataset(Tensor.of(features, shape), Tensor.ofInts(labels, n));
  }

  /** Samples of {@code sampleShape} with float targets of {@code targetShape} each (regression). */
  public static ArrayDataset withTargets(float[] features, long[] sampleShape, float[] targets, long[] targetShape) {
    long per = 1;
    for (long d : targetShape) per *= d;
    if (per <= 0 || targets.length % per != 0) {
      throw new IllegalArgumentException("ArrayDataset: " + targets.length + " target values do not divide into samples of shape "
          + Arrays.toString(targetShape));
    }
    int n = (int) (targets.length / per);
    long[] xShape = withLeading(n, sampleShape);
    checkLength("features", features.length, xShape);
    return new ArrayDataset(Tensor.of(features, xShape), Tensor.of(targets, withLeading(n, targetShape)));
  }

  public int size() {
    return size;
  }

  /** All features, (N, sample shape...). Owned by the dataset. */
  public Tensor features() {
    return features;
  }

  /** All labels (N) int32, or targets (N, target shape...) float32. Owned by the dataset. */
  public Tensor targets() {
    return targets;
  }

  public boolean hasLabels() {
    return targets.dtype() == DType.INT32;
  }

  /** Mean and (biased) standard deviation over every feature value of every sample. */
  public double[] featureMeanStd() {
    try (org.jdnn.tensor.TensorScope s = new org.jdnn.tensor.TensorScope();
        org.jdnn.tensor.GradMode.Guard g = org.jdnn.tensor.GradMode.disable()) {
      double mean = features.mean().item();
      double meanSq = features.square().mean().item();
      return new double[] {mean, Math.sqrt(Math.max(0, meanSq - mean * mean))};
    }
  }

  /** A new dataset with features (x - mean) / std and the same targets; this one stays open. */
  public ArrayDataset standardized(double mean, double std) {
    if (!(std > 0) || !Double.isFinite(mean)) {
      throw new IllegalArgumentException("standardized: std must be > 0 and mean finite, got mean=" + mean + ", std=" + std);
    }
    // the scope frees the intermediate (x - mean); the constructor keeps the two results
    try (org.jdnn.tensor.TensorScope s = new org.jdnn.tensor.TensorScope();
        org.jdnn.tensor.GradMode.Guard g = org.jdnn.tensor.GradMode.disable()) {
      Tensor x = features.sub(mean).div(std);
      Tensor y = targets.to(targets.dtype());
      return new ArrayDataset(x, y);
    }
  }

  /** A new dataset holding samples [from, to) of this one (copied); this one stays open. */
  public ArrayDataset rows(int from, int to) {
    if (from < 0 || to > size || from >= to) {
      throw new IllegalArgumentException("ArrayDataset.rows: range [" + from + ", " + to + ") outside [0, " + size + ")");
    }
    int[] idx = new int[to - from];
    for (int i = 0; i < idx.length; i++) idx[i] = from + i;
    try (org.jdnn.tensor.TensorScope s = new org.jdnn.tensor.TensorScope()) {
      Tensor index = Tensor.empty(DType.INT32, features.device(), idx.length).write(idx);
      return new ArrayDataset(org.jdnn.tensor.MemoryOps.gatherRows(features, index),
          org.jdnn.tensor.MemoryOps.gatherRows(targets, index));
    }
  }

  /** One epoch of mini-batches; see {@link BatchIterator}. */
  public BatchIterator batches(int batchSize, boolean shuffle, long seed, int epoch) {
    return new BatchIterator(this, batchSize, shuffle, seed, epoch);
  }

  @Override
  public void close() {
    features.close();
    targets.close();
  }

  private static long[] withLeading(int n, long[] rest) {
    long[] s = new long[rest.length + 1];
    s[0] = n;
    System.arraycopy(rest, 0, s, 1, rest.length);
    return s;
  }

  private static void checkLength(String what, int length, long[] shape) {
    long n = 1;
    for (long d : shape) n *= d;
    if (n != length) {
      throw new IllegalArgumentException("ArrayDataset: " + length + " " + what + " values, expected " + n + " for shape "
          + Arrays.toString(shape));
    }
  }
}
