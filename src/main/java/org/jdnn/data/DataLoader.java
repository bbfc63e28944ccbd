package org.jdnn.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * One epoch of mini-batches from an {@link ArrayDataset}: shuffled by (seed, epoch) like
 * {@link BatchIterator}, optionally augmented, and with {@code prefetch > 0} assembled on a
 * background thread that stays up to {@code prefetch} batches ahead of the consumer.
 *
 * <p>Order: {@link #ofIndices} makes a loader that visits a given list of samples instead, such
 * as one rank's shard of a data-parallel job ({@code org.jdnn.distributed.DistributedSampler}).
 *
 * <p>Ownership: every batch returned by {@link #next()} belongs to the caller, who must close it
 * (batches are made outside any scope: scopes are per thread, so the prefetch thread keeps them).
 * An exception on the prefetch thread is rethrown by {@code hasNext()}/{@code next()}. Same seed,
 * same batches, with or without prefetching.
 *
 * <p>Closing: {@link #close()} may be called from any thread. It frees the batches built but not
 * taken, and returns once no thread of this loader is building a batch (the prefetch thread has
 * ended, or with prefetch 0 the caller's batch in progress is done), so the dataset can be closed
 * right after. A consumer waiting in {@code hasNext()}/{@code next()} is released at once with a
 * {@link CancellationException} (an {@link IllegalStateException}), and so is every later call:
 * a closed loader never looks like a finished epoch. With prefetch 0 the batch is built on the
 * consumer's own thread, so a close from another thread takes effect when that batch is done: the
 * batch is freed and {@code next()} throws.
 *
 * <p>Upload: given a device, a loader of a dataset on the host puts each batch there as it builds
 * it, with {@link Tensor#prefetchTo}: on a GPU the copy runs on the copy stream from pinned memory
 * while earlier steps compute, and the step that uses the batch waits for it on the device only.
 * With {@code prefetch > 0} that happens on the prefetch thread, batches ahead of the step.
 *
 * <pre>{@code
 * try (DataLoader loader = new DataLoader(train, 128, true, 42, epoch, augmentation, 2)) {
 *   for (Batch b : loader) {
 *     try (b; TensorScope step = new TensorScope()) { ... }
 *   }
 * }
 * }</pre>
 */
public final class DataLoader implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
  private static final long JOIN_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(10);

  private final BatchIterator source;
  private final Augmentation augmentation;
  private final long seed;
  private final int epoch;
  private final int prefetch;
  private final Device device;
  private final Thread worker;
  private int produced;

  // State shared by the consumer, the prefetch thread and close(), guarded by lock; every change
  // is signalled on changed, so each waiter re-checks its own condition.
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Batch> ready = new ArrayDeque<>();
  private boolean closed;
  private boolean allBuilt;
  private Throwable failure;
  private Thread building; // the consumer thread while it builds a batch itself (prefetch 0)
  private int taken;

  /**
   * A loader for one epoch; with {@code prefetch > 0} its thread starts building batches at once.
   *
   * @param data the dataset; it must stay open until the loader is closed
   * @param batchSize samples per batch, at least 1 (the last batch may be smaller)
   * @param shuffle whether to visit the samples in a random order drawn from (seed, epoch)
   * @param seed the run's seed, for the order and the augmentation
   * @param epoch the epoch's index, at least 0
   * @param augmentation applied to each batch's inputs, or null for none
   * @param prefetch how many batches to build ahead on a daemon thread; 0 builds them on the
   *     consumer's thread
   * @throws IllegalArgumentException when {@code batchSize} &lt; 1, {@code epoch} &lt; 0 or
   *     {@code prefetch} &lt; 0
   */
  public DataLoader(ArrayDataset data, int batchSize, boolean shuffle, long seed, int epoch, Augmentation augmentation,
      int prefetch) {
    this(data, batchSize, shuffle, seed, epoch, augmentation, prefetch, null);
  }

  /**
   * A loader for one epoch whose batches are put on {@code device} as they are built (see the
   * class comment, "Upload"); the other parameters are those of the constructor without it.
   *
   * @param data the dataset; it must stay open until the loader is closed
   * @param batchSize samples per batch, at least 1 (the last batch may be smaller)
   * @param shuffle whether to visit the samples in a random order drawn from (seed, epoch)
   * @param seed the run's seed, for the order and the augmentation
   * @param epoch the epoch's index, at least 0
   * @param augmentation applied to each batch's inputs (before the upload), or null for none
   * @param prefetch how many batches to build ahead on a daemon thread; 0 builds them on the
   *     consumer's thread
   * @param device where the batches go, or null to keep them on the dataset's device
   * @throws IllegalArgumentException when {@code batchSize} &lt; 1, {@code epoch} &lt; 0 or
   *     {@code prefetch} &lt; 0
   */
  public DataLoader(ArrayDataset data, int batchSize, boolean shuffle, long seed, int epoch, Augmentation augmentation,
      int prefetch, Device device) {
    this(data, batchSize, null, shuffle, seed, epoch, augmentation, prefetch, device);
  }

  /**
   * A loader for one epoch that visits the samples {@code indices} names, in that order, instead
   * of its own shuffle: for instance this rank's shard of a data-parallel job, from {@code
   * org.jdnn.distributed.DistributedSampler#indices(epoch)}. Everything else is as with the
   * constructors: batches of {@code batchSize} (the last one may be smaller), the augmentation
   * seeded by (seed, epoch, batch), prefetching, the upload to {@code device}, ownership and
   * closing. Given the order of the constructors' shuffle for (seed, epoch), which is a
   * DistributedSampler's for a world of one rank, it returns the batches {@code new
   * DataLoader(data, batchSize, true, seed, epoch, augmentation, prefetch, device)} would.
   *
   * <p>Each rank of a job gets other samples but, with one seed, the same augmentation draws batch
   * by batch; pass a seed that differs by rank (e.g. seed + rank) for independent draws.
   *
   * @param data the dataset; it must stay open until the loader is closed
   * @param batchSize samples per batch, at least 1 (the last batch may be smaller)
   * @param indices the samples to visit, in order, each in [0, data.size()); an index may repeat
   *     (a distributed shard's padding), and an empty array makes an epoch of no batches. The
   *     loader keeps a copy.
   * @param seed the seed of the augmentation (the order is {@code indices})
   * @param epoch the epoch's index, at least 0, for the augmentation and messages
   * @param augmentation applied to each batch's inputs (before the upload), or null for none
   * @param prefetch how many batches to build ahead on a daemon thread; 0 builds them on the
   *     consumer's thread
   * @param device where the batches go, or null to keep them on the dataset's device
   * @return a new loader that the caller closes; with {@code prefetch > 0} its thread has started
   * @throws NullPointerException when {@code data} or {@code indices} is null
   * @throws IllegalArgumentException when {@code batchSize} &lt; 1, {@code epoch} &lt; 0,
   *     {@code prefetch} &lt; 0, or an index is outside [0, data.size()) (the message names its
   *     position and value)
   */
  public static DataLoader ofIndices(ArrayDataset data, int batchSize, int[] indices, long seed, int epoch,
      Augmentation augmentation, int prefetch, Device device) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(indices, "indices");
    return new DataLoader(data, batchSize, indices, false, seed, epoch, augmentation, prefetch, device);
  }

  // indices null: the order is BatchIterator's for (shuffle, seed, epoch); else it is indices.
  private DataLoader(ArrayDataset data, int batchSize, int[] indices, boolean shuffle, long seed, int epoch,
      Augmentation augmentation, int prefetch, Device device) {
    if (prefetch < 0) throw new IllegalArgumentException("DataLoader: prefetch must be >= 0, got " + prefetch);
    this.source = indices == null ? new BatchIterator(data, batchSize, shuffle, seed, epoch)
        : new BatchIterator(data, batchSize, indices, epoch);
    this.augmentation = augmentation;
    this.seed = seed;
    this.epoch = epoch;
    this.prefetch = prefetch;
    this.device = device;
    if (prefetch == 0) {
      worker = null;
    } else {
      worker = new Thread(this::produce, "jdnn-prefetch");
      worker.setDaemon(true);
      worker.start();
    }
  }

  /**
   * The number of batches in this epoch.
   *
   * @return ceil(N / batchSize)
   */
  public int batchCount() {
    return source.batchCount();
  }

  // Builds the next batch in its own scope and keeps the two result tensors (works on any thread).
  private Batch build() {
    try (TensorScope s = new TensorScope()) {
      Batch raw = source.next();
      Tensor x = raw.inputs();
      if (augmentation != null) x = augmentation.apply(x, Augmentation.batchSeed(seed, epoch, produced));
      produced++;
      Tensor y = raw.targets();
      if (device != null) {
        x = x.prefetchTo(device);
        y = y.prefetchTo(device);
      }
      return new Batch(x.keep(), y.keep());
    }
  }

  private void produce() {
    try {
      while (true) {
        lock.lock();
        try {
          while (!closed && ready.size() >= prefetch) changed.await();
          if (closed) return;
          if (!source.hasNext()) {
            allBuilt = true;
            changed.signalAll();
            return;
          }
        } finally {
          lock.unlock();
        }
        if (!offer(build())) return;
      }
    } catch (InterruptedException e) {
      // only close() interrupts this thread
    } catch (Throwable t) {
      lock.lock();
      try {
        if (!closed) failure = t;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  // Queues a batch for the consumer, or frees it when the loader was closed while it was built.
  private boolean offer(Batch b) {
    lock.lock();
    try {
      if (!closed) {
        ready.add(b);
        changed.signalAll();
        return true;
      }
    } finally {
      lock.unlock();
    }
    b.close();
    return false;
  }

  /**
   * Whether a batch remains, waiting for the prefetch thread if needed.
   *
   * @return false only when the epoch is complete
   * @throws CancellationException when the loader is closed, before or during the wait
   * @throws IllegalStateException when the waiting thread is interrupted (its flag is set again)
   * @throws RuntimeException the prefetch thread's exception (the loader is closed then); a checked
   *     one comes wrapped in an IllegalStateException
   */
  @Override
  public boolean hasNext() {
    Throwable t;
    lock.lock();
    try {
      while (true) {
        if (closed) throw closedError();
        if (worker == null) return source.hasNext();
        if (!ready.isEmpty()) return true;
        if (failure != null) break;
        if (allBuilt) return false;
        try {
          changed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
        }
      }
      t = failure;
      failure = null;
    } finally {
      lock.unlock();
    }
    close();
    if (t instanceof RuntimeException) throw (RuntimeException) t;
    if (t instanceof Error) throw (Error) t;
    throw new IllegalStateException("DataLoader: prefetch thread failed", t);
  }

  /**
   * The next batch.
   *
   * @return a batch the caller owns and closes (it belongs to no scope)
   * @throws NoSuchElementException when the epoch is complete
   * @throws CancellationException when the loader is closed
   * @throws RuntimeException what {@link #hasNext()} throws
   */
  @Override
  public Batch next() {
    if (!hasNext()) throw new NoSuchElementException("DataLoader: epoch " + epoch + " exhausted");
    lock.lock();
    try {
      if (closed) throw closedError();
      if (worker != null) {
        taken++;
        changed.signalAll(); // room in the queue for the prefetch thread
        return ready.poll();
      }
      building = Thread.currentThread();
    } finally {
      lock.unlock();
    }
    return buildHere();
  }

  // prefetch 0: builds on the consumer's thread; close() waits for this build and then it is freed.
  private Batch buildHere() {
    Batch b = null;
    try {
      b = build();
    } finally {
      lock.lock();
      try {
        building = null;
        changed.signalAll();
        if (closed && b != null) {
          b.close();
          b = null;
        }
        if (b != null) taken++;
      } finally {
        lock.unlock();
      }
    }
    if (b == null) throw closedError();
    return b;
  }

  private CancellationException closedError() {
    return new CancellationException("DataLoader: closed (epoch " + epoch + ", " + taken + " of " + batchCount()
        + " batches taken); make a new DataLoader for another pass");
  }

  /**
   * This loader itself, so that the epoch can be walked with a for-each loop (once).
   *
   * @return this
   */
  @Override
  public Iterator<Batch> iterator() {
    return this;
  }

  /**
   * Whether the prefetch thread is running.
   *
   * @return true while it runs; false with prefetch 0, after close, and once it has built the
   *     epoch's last batch
   */
  public boolean isPrefetching() {

    return worker != null && worker.isAlive();
  }

  /**
   * Frees the batches not taken, releases any waiting consumer and waits (up to 10 s) until no
   * thread of this loader builds a batch. Safe to call from any thread, more than once.
   */
  @Override
  public void close() {
    List<Batch> unclaimed;
    lock.lock();
    try {
      if (closed) return;
      closed = true;
      unclaimed = new ArrayList<>(ready);
      ready.clear();
      changed.signalAll();
      awaitBuildOnAnotherThread();
    } finally {
      lock.unlock();
    }
    for (Batch b : unclaimed) b.close();
    if (worker == null || Thread.currentThread() == worker) {
      source.close();
      return;
    }
    worker.interrupt(); // wakes a slow augmentation that waits interruptibly
    try {
      worker.join(JOIN_TIMEOUT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The epoch's order on a GPU; a thread still building past the timeout fails with "closed", safely.
    source.close();
  }

  // Called with the lock held: the consumer may be building a batch (prefetch 0) from the dataset.
  private void awaitBuildOnAnotherThread() {
    long left = TimeUnit.MILLISECONDS.toNanos(JOIN_TIMEOUT_MS);
    while (building != null && building != Thread.currentThread() && left > 0) {
      try {
        left = changed.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
