package org.jdnn.distributed;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * A collective started with one of {@link ProcessGroup}'s {@code ...Async} methods, running on the
 * group's communication thread while the caller goes on (PyTorch's {@code Work}). Collectives of one
 * group run in the order they were started. Until {@link #await()} returns, the caller must neither
 * read nor write the tensors the collective uses, nor close them.
 */
public final class Work {
  private final String what;
  private final Future<?> future;

  Work(String what, Future<?> future) {
    this.what = what;
    this.future = future;
  }

  /**
   * Waits until the collective has finished.
   *
   * @throws DistributedException when it failed (a rank died or did not arrive in time: the message
   *     names it) or the group was closed before it ran
   */
  public void await() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          future.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;  // the collective is under way on every rank: finish waiting, then re-raise
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) throw r;
      throw new DistributedException(what + " failed: " + cause, cause);
    } catch (CancellationException e) {
      throw new DistributedException(what + " did not run: its process group was closed first", e);
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether the collective has finished (successfully or not); never waits.
   *
   * @return true once {@link #await()} would return or throw at once
   */
  public boolean isDone() {
    return future.isDone();
  }

  @Override
  public String toString() {
    return what + (isDone() ? " (done)" : " (running)");
  }
}
