package org.jdnn.data;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * An in-memory dataset held in native memory: N samples of a fixed shape with either integer class
 * labels or float targets. Batches are gathered natively from it (no per-sample Java work). Owns
 * its tensors: close it when done.
 *
 * <pre>{@code
 * try (ArrayDataset train = FashionMnist.load(FashionMnist.defaultDir(), true, 0)) {

 *   for (Batch b : train.batches(128, true, 42, epoch)) {
 *     try (TensorScope step = new TensorScope(); b) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>{@link BatchIterator} walks one epoch on the calling thread; {@link DataLoader} does the same
 * on a prefetch thread and adds augmentation; {@code org.jdnn.train.Trainer} uses the loader.
 * Datasets usually stay on the CPU and batches are copied to the model's device; {@link #to(Device)}
 * puts one on a GPU, where batches are then gathered without copies from the host.
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

  /**
   * A dataset owning {@code features} (N, ...) and {@code targets} (N, ...); both are taken out of
   * any scope.
   *
   * @param features the samples, first dimension N; ownership passes to the dataset
   * @param targets int32 class labels (N), or float targets (N, ...); ownership passes to the
   *     dataset
   * @return a new dataset; closing it closes both tensors
   * @throws IllegalArgumentException when a tensor is a scalar or the first dimensions differ
   */
  public static ArrayDataset of(Tensor features, Tensor targets) {
    if (features.rank() < 1 || targets.rank() < 1 || features.dim(0) != targets.dim(0)) {
      throw new IllegalArgumentException("ArrayDataset: features " + features.describe() + " and targets " + targets.describe()
          + " must have the same number of rows");
    }
    return new ArrayDataset(features, targets);
  }

  /**
   * Samples of {@code sampleShape} (row-major, back to back) with class labels, copied into new
   * tensors on the thread's default device.
   *
   * @param features labels.length samples of sampleShape, back to back
   * @param sampleShape one sample's shape, e.g. {784} or {1, 28, 28}
   * @param labels one class index per sample
   * @return a new dataset with float32 features and int32 labels
   * @throws IllegalArgumentException when {@code features} does not hold exactly labels.length
   *     samples
   */
  public static ArrayDataset withLabels(float[] features, long[] sampleShape, int[] labels) {
    int n = labels.length;
    long[] shape = withLeading(n, sampleShape);
    checkLength("features", features.length, shape);
    return new ArrayDataset(Tensor.of(features, shape), Tensor.ofInts(labels, n));
  }

  /**
   * Samples of {@code sampleShape} with float targets of {@code targetShape} each (regression),
   * copied into new tensors on the thread's default device. N is targets.length divided by the
   * size of one target.
   *
   * @param features N samples of sampleShape, back to back
   * @param sampleShape one sample's shape
   * @param targets N targets of targetShape, back to back
   * @param targetShape one target's shape, e.g. {1}
   * @return a new dataset with float32 features and targets
   * @throws IllegalArgumentException when the lengths do not divide into whole samples and targets,
   *     or disagree on N
   */
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

  /**
   * The number of samples.
   *
   * @return N
   */
  public int size() {
    return size;
  }

  /**
   * All features.
   *
   * @return the (N, sample shape...) tensor, owned by the dataset: do not close it
   */
  public Tensor features() {
    return features;
  }

  /**
   * All labels or targets.
   *
   * @return labels (N) or targets (N, target shape...), owned by the dataset: do not close it
   */
  public Tensor targets() {
    return targets;
  }

  /**
   * Whether the targets are class labels.
   *
   * @return true when the targets are int32
   */
  public boolean hasLabels() {
    return targets.dtype() == DType.INT32;
  }

  /**
   * Mean and (biased) standard deviation over every feature value of every sample, computed in the
   * features' dtype with a host read of two numbers.
   *
   * @return {mean, std}
   */
  public double[] featureMeanStd() {
    try (org.jdnn.tensor.TensorScope s = new org.jdnn.tensor.TensorScope();
        org.jdnn.tensor.GradMode.Guard g = org.jdnn.tensor.GradMode.disable()) {
      double mean = features.mean().item();
      double meanSq = features.square().mean().item();
      return new double[] {mean, Math.sqrt(Math.max(0, meanSq - mean * mean))};
    }
  }

  /**
   * A new dataset with features (x - mean) / std and a copy of the targets; this one stays open.
   *
   * @param mean the value to subtract, finite
   * @param std the value to divide by, &gt; 0 (e.g. from {@link #featureMeanStd()})
   * @return a new dataset that the caller closes
   * @throws IllegalArgumentException when {@code std} is not &gt; 0 or {@code mean} is not finite
   */
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

  /**
   * A new dataset holding samples [from, to) of this one (copied); this one stays open.
   *
   * @param from the first sample, from 0
   * @param to one past the last sample, at most {@link #size()}
   * @return a new dataset of to - from samples, on this one's device, that the caller closes
   * @throws IllegalArgumentException when the range is empty or outside [0, size())
   */
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

  /**
   * A new dataset holding the given samples, in the given order (copied); this one stays open.
   *
   * @param indices sample indices, each in [0, size()), at least one; repeats allowed
   * @return a new dataset of indices.length samples, on this one's device, that the caller closes
   * @throws IllegalArgumentException when {@code indices} is empty or an index is out of range
   */
  public ArrayDataset select(int[] indices) {
    if (indices.length == 0) throw new IllegalArgumentException("ArrayDataset.select: no indices; select at least one sample");
    for (int i : indices) {
      if (i < 0 || i >= size) throw new IllegalArgumentException("ArrayDataset.select: index " + i + " outside [0, " + size + ")");
    }
    try (org.jdnn.tensor.TensorScope s = new org.jdnn.tensor.TensorScope()) {
      Tensor index = Tensor.empty(DType.INT32, features.device(), indices.length).write(indices);
      return new ArrayDataset(org.jdnn.tensor.MemoryOps.gatherRows(features, index),
          org.jdnn.tensor.MemoryOps.gatherRows(targets, index));
    }
  }

  /**
   * One epoch of mini-batches on the calling thread; see {@link BatchIterator}.
   *
   * @param batchSize samples per batch, at least 1 (the last batch may be smaller)
   * @param shuffle whether to visit the samples in a random order drawn from (seed, epoch)
   * @param seed the run's seed
   * @param epoch the epoch's index, at least 0
   * @return a new iterator; each batch it returns belongs to the caller's scope, or to the caller
   * @throws IllegalArgumentException when {@code batchSize} &lt; 1 or {@code epoch} &lt; 0
   */
  public BatchIterator batches(int batchSize, boolean shuffle, long seed, int epoch) {
    return new BatchIterator(this, batchSize, shuffle, seed, epoch);
  }

  /**
   * A copy of this dataset on {@code device}, where its batches are then gathered: a dataset on a
   * GPU (Fashion-MNIST's 60,000 float32 images take 188 MB) makes each training step copy nothing
   * from the host (see {@link BatchIterator}). Normalize it once there with {@link
   * Normalizer#apply(ArrayDataset)} rather than per batch. This one stays open.
   *
   * @param device where the copy lives
   * @return a new dataset that the caller closes
   */
  public ArrayDataset to(Device device) {
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = features.device() == device ? features.copy() : features.to(device);
      Tensor y = targets.device() == device ? targets.copy() : targets.to(device);
      return new ArrayDataset(x, y);
    }
  }

  /** Iterators holding an epoch's order on this dataset's GPU, until they end or are closed. */
  private final Set<BatchIterator> openIterators = ConcurrentHashMap.newKeySet();

  void opened(BatchIterator it) {
    openIterators.add(it);
  }

  void closed(BatchIterator it) {
    openIterators.remove(it);
  }

  /** Frees the features and targets, and the GPU order of any epoch left without closing its iterator. */
  @Override
  public void close() {
    for (BatchIterator it : openIterators.toArray(new BatchIterator[0])) it.close();

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
