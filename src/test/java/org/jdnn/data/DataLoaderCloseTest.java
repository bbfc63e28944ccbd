package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jdnn.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** close() from another thread while the consumer waits for a batch: the consumer is released, nothing leaks. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DataLoaderCloseTest {
  /**
   * An augmentation that takes {@code millis} per batch and ignores interrupts (as a native or
   * CPU-bound transform would), counting builds in flight and signalling when the second one starts.
   */
  private static final class SlowAugmentation implements Augmentation {
    final long millis;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger started = new AtomicInteger();
    final CountDownLatch secondStarted = new CountDownLatch(1);

    SlowAugmentation(long millis) {
      this.millis = millis;
    }

    @Override
    public org.jdnn.tensor.Tensor apply(org.jdnn.tensor.Tensor images, long seed) {
      inFlight.incrementAndGet();
      try {
        if (started.incrementAndGet() == 2) secondStarted.countDown();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left; (left = end - System.nanoTime()) > 0; ) java.util.concurrent.locks.LockSupport.parkNanos(left);
        return images.mul(1);
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  // prefetch 0 builds on the consumer's thread, so close() takes effect when the batch in hand is
  // built: that build is kept short there. With prefetch the consumer waits on the queue, and a
  // batch takes far longer than the 100 ms allowed, so only close() can release it in time.
  @ParameterizedTest(name = "prefetch {0}, consumer waiting in {1}")
  @CsvSource({"0, hasNext", "0, next", "1, hasNext", "1, next", "3, hasNext", "3, next"})
  void closeFromAnotherThreadReleasesTheWaitingConsumerAndFreesEverything(int prefetch, String call) throws Exception {
    try (ArrayDataset d = DataLoaderTest.images(12)) {
      long before = Device.cpu().bytesInUse();
      SlowAugmentation slow = new SlowAugmentation(prefetch == 0 ? 40 : 400);
      DataLoader loader = new DataLoader(d, 2, false, 0, 0, slow, prefetch);
      CountDownLatch gotBatch = new CountDownLatch(1);
      AtomicLong releasedAt = new AtomicLong();
      CompletableFuture<Integer> consumer = CompletableFuture.supplyAsync(() -> {
        int taken = 0;
        try {
          while (call.equals("next") || loader.hasNext()) {
            try (Batch b = loader.next()) {
              taken++;
              gotBatch.countDown();
            }
          }
          return taken;
        } finally {
          releasedAt.set(System.nanoTime());
        }
      }, runnable -> {
        Thread t = new Thread(runnable, "test-consumer");
        t.setDaemon(true);
        t.start();
      });

      assertTrue(gotBatch.await(10, TimeUnit.SECONDS), "first batch");
      assertTrue(slow.secondStarted.await(10, TimeUnit.SECONDS), "second batch under construction");
      Thread.sleep(20); // let the consumer reach its wait
      long closedAt = System.nanoTime();
      loader.close();
      assertEquals(0, slow.inFlight.get(), "close() returns once no thread of the loader builds a batch");
      assertFalse(loader.isPrefetching(), "prefetch thread ended");

      try {
        consumer.get(2, TimeUnit.SECONDS);
        fail("the consumer's pass ended normally after close(), as if the epoch were complete");
      } catch (TimeoutException e) {
        fail("consumer still blocked in " + call + "() 2 s after close()");
      } catch (ExecutionException e) {
        assertInstanceOf(CancellationException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
      }
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(releasedAt.get() - closedAt);
      assertTrue(waitedMs < 100, "consumer released " + waitedMs + " ms after close()");
      assertTrue(Device.cpu().bytesInUse() <= before, "batches built but never taken are freed");
    }
  }

  @Test
  void useAfterCloseOnTheSameThreadIsAnError() {
    try (ArrayDataset d = DataLoaderTest.images(8)) {
      for (int prefetch : new int[] {0, 2}) {
        DataLoader loader = new DataLoader(d, 4, false, 0, 0, null, prefetch);
        loader.next().close();
        loader.close();
        loader.close(); // idempotent
        CancellationException e = assertThrows(CancellationException.class, loader::hasNext);
        assertEquals("DataLoader: closed (epoch 0, 1 of 2 batches taken); make a new DataLoader for another pass",
            e.getMessage());
        assertThrows(CancellationException.class, loader::next);
      }
    }
  }
}
