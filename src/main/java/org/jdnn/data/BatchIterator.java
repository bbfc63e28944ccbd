package org.jdnn.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * One epoch of mini-batches over an {@link ArrayDataset}. With shuffling, the order is a
 * Fisher-Yates permutation drawn from (seed, epoch): the same seed gives the same batches on
 * every run, and each epoch a different order. The last batch may be smaller. Batch tensors
 * belong to the caller's open {@link org.jdnn.tensor.TensorScope}, or must be closed.
 */
public final class BatchIterator implements Iterator<Batch>, Iterable<Batch> {
  private final ArrayDataset data;
  private final int batchSize;
  private final int[] order;
  private int position;

  BatchIterator(ArrayDataset data, int batchSize, boolean shuffle, long seed, int epoch) {
    if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    this.data = data;
    this.batchSize = batchSize;
    this.order = permutation(data.size(), shuffle, seed, epoch);
  }

  static int[] permutation(int n, boolean shuffle, long seed, int epoch) {
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
    int end = Math.min(order.length, position + batchSize);
    int[] idx = java.util.Arrays.copyOfRange(order, position, end);
    position = end;
    // the index lives with the data, so batches are gathered where the dataset is
    try (Tensor index = Tensor.empty(DType.INT32, data.features().device(), idx.length).write(idx)) {
      return new Batch(MemoryOps.gatherRows(data.features(), index), MemoryOps.gatherRows(data.targets(), index));
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
