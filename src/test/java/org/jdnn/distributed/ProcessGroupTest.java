package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Process groups on Gloo over loopback, the ranks as separate JVMs: every collective against values
 * computed from what each rank sent, at 2 and 3 ranks (3 is not a power of two, which Gloo's
 * halving-doubling handles apart); a rank that dies or stalls makes the others fail within the
 * timeout with a message naming it; rendezvous errors name their cause.
 */
class ProcessGroupTest {
  @BeforeAll
  static void glooPresent() {
    assumeTrue(Ranks.glooBuilt(), "this build has no libjdnn_gloo (libgloo-dev was not installed when it was built)");
  }

  @Test
  void collectivesAgreeWithTheirDefinitionAtTwoAndThreeRanks() {
    for (int world : new int[] {2, 3}) {
      List<Ranks.Result> results = Ranks.run(world, 120, CollectivesWorker.class);
      Ranks.requireAllSucceeded(results);
      for (Ranks.Result r : results) {
        assertTrue(r.output().contains("collectives ok on rank " + r.rank() + " of " + world), r.toString());
      }
    }
  }

  @Test
  void aRankThatDiesIsNamedByTheOthersWithinTheTimeout() {
    List<Ranks.Result> results = Ranks.run(3, 90, FailureWorker.class, "die", "20");
    for (int r = 0; r < 2; r++) {
      Ranks.Result survivor = results.get(r);
      assertEquals(0, survivor.status(), Ranks.all(results));
      Matcher m = Pattern.compile("FAILED after (\\d+) ms: (.*)").matcher(survivor.output());
      assertTrue(m.find(), survivor.toString());
      assertTrue(Long.parseLong(m.group(1)) < 20_000, "failed only after the timeout: " + survivor);
      assertTrue(m.group(2).contains("rank 2 has died"), "the message does not name the dead rank: " + m.group(2));
    }
    assertEquals(9, results.get(2).status(), "the victim should have halted with status 9: " + results.get(2));
  }

  @Test
  void aRankThatDoesNotArriveIsNamedWhenTheTimeoutExpires() {
    List<Ranks.Result> results = Ranks.run(2, 90, FailureWorker.class, "late", "4");
    Ranks.Result waiting = results.get(0);
    assertEquals(0, waiting.status(), Ranks.all(results));
    Matcher m = Pattern.compile("FAILED after (\\d+) ms: (.*)").matcher(waiting.output());
    assertTrue(m.find(), waiting.toString());
    long ms = Long.parseLong(m.group(1));
    assertTrue(ms >= 3_500 && ms < 15_000, "failed after " + ms + " ms with a 4 s timeout: " + waiting);
    assertTrue(m.group(2).contains("rank 1 had not reached it"), "the message does not name the late rank: " + m.group(2));
    assertTrue(results.get(1).output().contains("FAILED"), "the late rank's own collective should fail: " + results.get(1));
  }

  @Test
  void aMissingRankIsNamedAfterTheJoinTimeout() throws Exception {
    int port = Ranks.freePort();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<ProcessGroup>> joins = List.of(
          pool.submit(() -> join(0, 3, port, Duration.ofSeconds(3))), pool.submit(() -> join(1, 3, port, Duration.ofSeconds(3))));
      for (Future<ProcessGroup> f : joins) {
        Exception e = assertThrows(Exception.class, f::get);
        String message = e.getCause().getMessage();
        assertTrue(message.contains("rank 2 of 3 did not join within 3 s"), message);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void mismatchedWorldSizesAreRefusedNamingBoth() throws Exception {
    int port = Ranks.freePort();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<ProcessGroup> host = pool.submit(() -> join(0, 2, port, Duration.ofSeconds(5)));
      Future<ProcessGroup> other = pool.submit(() -> join(1, 3, port, Duration.ofSeconds(5)));
      Exception e = assertThrows(Exception.class, other::get);
      assertTrue(e.getCause().getMessage().contains("rank 1 was started with WORLD_SIZE=3 but rank 0 with WORLD_SIZE=2"),
          e.getCause().getMessage());
      assertThrows(Exception.class, host::get);  // rank 0 waits for a rank 1 that never registers
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void environmentErrorsNameTheVariable() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProcessGroup.builder().environment(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1")));
    assertTrue(e.getMessage().contains("MASTER_PORT is not set"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ProcessGroup.builder()
        .environment(Map.of("RANK", "x", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1")));
    assertTrue(e.getMessage().contains("RANK='x' is not an integer"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ProcessGroup.builder().rank(2).worldSize(2).master("127.0.0.1", 1234).connect());
    assertTrue(e.getMessage().contains("rank 2 is outside [0, 2)"), e.getMessage());
  }

  private static ProcessGroup join(int rank, int world, int port, Duration timeout) {
    return ProcessGroup.builder().rank(rank).worldSize(world).master("127.0.0.1", port).timeout(timeout).connect();
  }
}
