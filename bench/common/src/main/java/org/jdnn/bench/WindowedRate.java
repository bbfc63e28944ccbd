package org.jdnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of a call repeated by several threads at once (W3; W4 on one thread): every thread runs its call in a loop
 * during timed windows that all threads enter and leave together; the first window is a warm-up and
 * the result is the median of the others, in samples per second.
 */
public final class WindowedRate {
  private WindowedRate() {}

  /**
   * @param perThreadCall runs once on each worker thread (so thread-local setup, such as a default
   *     device, applies to that thread) and returns the call that thread repeats
   * @param samplesPerCall samples one call processes (the batch size)
   */
  public static double measure(int threads, int windows, double windowSeconds, long samplesPerCall,
      Callable<Runnable> perThreadCall) throws Exception {
    return measure(threads, windows, windowSeconds, windowSeconds, samplesPerCall, perThreadCall);
  }

  /** As above with a warm-up window of its own length (W4: long enough for the JIT to finish compiling the call). */
  public static double measure(int threads, int windows, double windowSeconds, double warmupSeconds, long samplesPerCall,
      Callable<Runnable> perThreadCall) throws Exception {
    double[] rates = new double[windows];
    AtomicLong done = new AtomicLong();
    CyclicBarrier barrier = new CyclicBarrier(threads + 1);
    long windowNs = (long) (windowSeconds * 1e9);
    final long[] deadline = new long[1];
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          Runnable call = perThreadCall.call();
          for (int w = 0; w <= windows; w++) { // window 0 is the warm-up
            barrier.await();
            long end = deadline[0], n = 0;
            while (System.nanoTime() < end) {
              call.run();
              n++;
            }
            if (w > 0) done.addAndGet(n * samplesPerCall);
            barrier.await();
          }
        } catch (Throwable e) {
          synchronized (errors) {
            errors.add(e);
          }
          barrier.reset();
        }
      }, "w3-" + t);
      th.setDaemon(true);
      workers.add(th);
      th.start();
    }
    try {
      for (int w = 0; w <= windows; w++) {
        done.set(0);
        deadline[0] = System.nanoTime() + (w == 0 ? (long) (warmupSeconds * 1e9) : windowNs) + 20_000_000L; // after every thread has passed the barrier
        long start = System.nanoTime();
        barrier.await();
        barrier.await();
        double sec = (System.nanoTime() - start) / 1e9; // includes the in-flight call that crossed the deadline
        if (w > 0) rates[w - 1] = done.get() / sec;
      }
    } catch (BrokenBarrierException e) {
      Throwable cause = errors.isEmpty() ? e : errors.get(0);
      throw new IllegalStateException("W3 worker failed: " + cause, cause);
    }
    for (Thread th : workers) th.join();
    if (!errors.isEmpty()) throw new IllegalStateException("W3 worker failed: " + errors.get(0), errors.get(0));
    return Stats.median(rates);
  }
}
