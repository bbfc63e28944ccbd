package org.jdnn.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * One epoch of mini-batches from an {@link ArrayDataset}: shuffled by (seed, epoch) like
 * {@link BatchIterator}, optionally augmented, and with {@code prefetch > 0} assembled on a
 * background thread that stays up to {@code prefetch} batches ahead of the consumer.
 *
 * <p>Ownership: every batch returned by {@link #next()} belongs to the caller, who must close it
 * (batches are made outside any scope: scopes are per thread, so the prefetch thread keeps them).
 * {@link #close()} stops the thread, frees batches still queued and waits for the thread to end;
 * an exception on the prefetch thread is rethrown by {@code next()}. Same seed, same batches,
 * with or without prefetching.
 */
public final class DataLoader implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
  private static final Object END = new Object();

  private final BatchIterator source;
  private final Augmentation augmentation;
  private final long seed;
  private final int epoch;
  private final BlockingQueue<Object> queue;
  private final Thread worker;
  private volatile boolean closed;
  private Object pending;
  private int produced;

  public DataLoader(ArrayDataset data, int batchSize, boolean shuffle, long seed, int epoch, Augmentation augmentation,
      int prefetch) {
    if (prefetch < 0) throw new IllegalArgumentException("DataLoader: prefetch must be >= 0, got " + prefetch);
    this.source = new BatchIterator(data, batchSize, shuffle, seed, epoch);
    this.augmentation = augmentation;
    this.seed = seed;
    this.epoch = epoch;
    if (prefetch == 0) {
      queue = null;
      worker = null;
    } else {
      queue = new ArrayBlockingQueue<>(prefetch);
      worker = new Thread(this::produce, "jdnn-prefetch");
      worker.setDaemon(true);
      worker.start();
    }
  }

  /** Batches in this epoch. */
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
      return new Batch(x.keep(), raw.targets().keep());
    }
  }

  private void produce() {
    try {
      while (!closed && source.hasNext()) {
        Batch b = build();
        try {
          queue.put(b);
        } catch (InterruptedException e) {
          b.close();
          return;
        }
        // close() may have drained the queue just before our put: free what nobody will take
        if (closed) drain();
      }
      queue.put(END);
    } catch (InterruptedException e) {
      // closed while waiting to hand over the end marker
    } catch (Throwable t) {
      if (!closed) queue.offer(t);
    }
  }

  @Override
  public boolean hasNext() {
    if (closed) return false;
    if (worker == null) return source.hasNext();
    if (pending == null) {
      try {
        pending = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
      }
    }
    if (pending instanceof Throwable) {
      Throwable t = (Throwable) pending;
      pending = null;
      close();
      if (t instanceof RuntimeException) throw (RuntimeException) t;
      if (t instanceof Error) throw (Error) t;
      throw new IllegalStateException("DataLoader: prefetch thread failed", t);
    }
    return pending != END;
  }

  @Override
  public Batch next() {
    if (!hasNext()) throw new NoSuchElementException("DataLoader: epoch " + epoch + " exhausted");
    if (worker == null) return build();
    Batch b = (Batch) pending;
    pending = null;
    return b;
  }

  @Override
  public Iterator<Batch> iterator() {
    return this;
  }

  /** True while the prefetch thread runs (false after close or at the end of the epoch). */
  public boolean isPrefetching() {
    return worker != null && worker.isAlive();
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (worker == null) return;
    worker.interrupt();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (pending instanceof Batch) ((Batch) pending).close();
    pending = null;
    drain();
  }

  private void drain() {
    Object o;
    while ((o = queue.poll()) != null) if (o instanceof Batch) ((Batch) o).close();
  }
}
