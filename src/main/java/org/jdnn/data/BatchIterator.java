package org.jdnn.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;

/**
 * One epoch of mini-batches over an {@link ArrayDataset}. With shuffling, the order is a
 * Fisher-Yates permutation drawn from (seed, epoch): the same seed gives the same batches on
 * every run, and each epoch a different order. The last batch may be smaller. Batch tensors
 * belong to the caller's open {@link org.jdnn.tensor.TensorScope}, or must be closed.
 *
 * <p>Batches are gathered where the dataset is. For a dataset on a GPU ({@link
 * ArrayDataset#to(Device)}) the epoch's order is uploaded once, at the first batch, and each batch
 * is a slice of it and two gathers on the device: no step copies anything from the host. That
 * order is freed after the last batch; {@link #close()} frees it when an epoch is left early, and
 * closing the dataset frees the order of any epoch left early without a close (a {@code break}
 * out of a for-each loop, an exception).
 */
public final class BatchIterator implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
  private final ArrayDataset data;
  private final int batchSize;
  private final int[] order;
  private int position;
  /** The epoch's order on the dataset's GPU, from the first batch to the last (or close); else null. */
  private Tensor deviceOrder;

  BatchIterator(ArrayDataset data, int batchSize, boolean shuffle, long seed, int epoch) {
    checkSizes(batchSize, epoch);
    this.data = data;
    this.batchSize = batchSize;
    this.order = permutation(data.size(), shuffle, seed, epoch);
  }

  /**
   * An epoch that visits the samples {@code indices} names, in that order (a copy is kept; an
   * index may repeat).
   */
  BatchIterator(ArrayDataset data, int batchSize, int[] indices, int epoch) {
    checkSizes(batchSize, epoch);
    int[] order = indices.clone();
    int n = data.size();
    for (int i = 0; i < order.length; i++) {
      if (order[i] < 0 || order[i] >= n) {
        throw new IllegalArgumentException("indices[" + i + "] = " + order[i] + " is outside the dataset's [0, " + n + ")");
      }
    }
    this.data = data;
    this.batchSize = batchSize;
    this.order = order;
  }

  private static void checkSizes(int batchSize, int epoch) {
    if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
  }

  /**
   * The order in which an epoch visits n samples: 0..n-1, or with {@code shuffle} a Fisher-Yates
   * permutation drawn from (seed, epoch), the same on every JVM. Every loader's shuffle, and
   * DistributedSampler's, is this one.
   *
   * @param n the number of samples, at least 0
   * @param shuffle whether to permute
   * @param seed the shuffle's seed
   * @param epoch the epoch, mixed into the seed
   * @return a new array of the n indices in visiting order
   */
  public static int[] permutation(int n, boolean shuffle, long seed, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    if (!shuffle) return order;
    // Mixing the epoch into the seed with a 64-bit odd constant keeps epochs' streams unrelated.
    SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /**
   * The number of batches in this epoch.
   *
   * @return ceil(N / batchSize), whatever has been consumed
   */
  public int batchCount() {
    return (order.length + batchSize - 1) / batchSize;
  }

  /**
   * Whether a batch remains in this epoch.
   *
   * @return true until every sample has been returned
   */
  @Override
  public boolean hasNext() {
    return position < order.length;
  }

  /**
   * Gathers the next batch where the dataset is.
   *
   * @return a new batch, in the caller's innermost open scope (else the caller closes it)
   * @throws NoSuchElementException when the epoch is exhausted
   */
  @Override
  public Batch next() {
    if (!hasNext()) throw new NoSuchElementException("epoch exhausted");
    int start = position, end = Math.min(order.length, position + batchSize);
    position = end;
    Device device = data.features().device();
    if (device.isCuda()) {
      if (deviceOrder == null) {
        Tensor t = Tensor.empty(DType.INT32, device, order.length).keep();
        try {
          t.write(order);
        } catch (RuntimeException | Error e) {
          t.close();
          throw e;
        }
        deviceOrder = t;
        data.opened(this);
      }
      try (Tensor index = NarrowOps.narrow(deviceOrder, 0, start, end - start)) {
        return batch(index);
      } finally {
        if (position == order.length) close();
      }
    }
    int[] idx = java.util.Arrays.copyOfRange(order, start, end);
    // the index lives with the data, so batches are gathered where the dataset is
    try (Tensor index = Tensor.empty(DType.INT32, device, idx.length).write(idx)) {
      return batch(index);
    }
  }

  /** Features and targets of the rows {@code index} names, in one gather. */
  private Batch batch(Tensor index) {
    Tensor[] xy = MemoryOps.gatherRows(data.features(), data.targets(), index);
    return new Batch(xy[0], xy[1]);
  }

  /**
   * Frees the epoch's order held on a GPU (done by itself after the last batch); the batches
   * already returned stay valid. Does nothing for a dataset on the CPU, or when called again.
   */
  @Override
  public void close() {
    Tensor t = deviceOrder;
    deviceOrder = null;
    if (t != null) {
      data.closed(this);
      t.close();
    }
  }

  /**
   * This iterator itself, so that one epoch can be walked with a for-each loop (once).
   *
   * @return this
   */
  @Override
  public Iterator<Batch> iterator() {

    return this;
  }
}
