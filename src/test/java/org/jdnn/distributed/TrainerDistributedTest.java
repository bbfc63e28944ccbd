package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trainer.distributed with 2 ranks as separate JVMs: the ranks log the same combined values and end
 * with the same weights, only rank 0 prints progress and writes checkpoints, a run resumed from rank
 * 0's checkpoint ends bit for bit where an uninterrupted one does, and a rank's exception reaches the
 * other rank's fit with that rank and its cause named.
 */
class TrainerDistributedTest {
  @BeforeAll
  static void glooPresent() {
    assumeTrue(Ranks.glooBuilt(), "this build has no libjdnn_gloo (libgloo-dev was not installed when it was built)");
  }

  @Test
  void ranksLogTheSameValuesEndAlikeAndOnlyRankZeroReports() {
    List<Ranks.Result> results = Ranks.run(2, 120, TrainerWorker.class, "fit", "2");
    Ranks.requireAllSucceeded(results);
    assertEquals(lines(results.get(0), "LOGS"), lines(results.get(1), "LOGS"));
    assertEquals(2, lines(results.get(0), "LOGS").size(), results.get(0).toString());
    assertTrue(lines(results.get(0), "LOGS").get(0).contains("accuracy="), results.get(0).toString());
    assertEquals(lines(results.get(0), "WEIGHTS"), lines(results.get(1), "WEIGHTS"));
    assertEquals(2, lines(results.get(0), "epoch ").stream().filter(l -> l.contains("accuracy")).count(),
        "rank 0 prints each epoch's line: " + results.get(0));
    assertFalse(results.get(1).output().contains("samples/s"), "rank 1 prints no progress: " + results.get(1));
  }

  @Test
  void aResumedRunEndsBitForBitWhereAnUninterruptedOneDoes(@TempDir Path dir) throws Exception {
    List<Ranks.Result> whole = Ranks.run(2, 120, TrainerWorker.class, "fit", "2");
    Ranks.requireAllSucceeded(whole);
    Ranks.requireAllSucceeded(Ranks.run(2, 120, TrainerWorker.class, "first", dir.toString()));
    try (var files = Files.list(dir)) {
      assertTrue(files.findAny().isPresent(), "rank 0 should have written checkpoints in " + dir);
    }
    List<Ranks.Result> resumed = Ranks.run(2, 120, TrainerWorker.class, "resume", dir.toString());
    Ranks.requireAllSucceeded(resumed);
    assertEquals(lines(whole.get(0), "WEIGHTS"), lines(resumed.get(0), "WEIGHTS"), Ranks.all(resumed));
    assertEquals(lines(whole.get(0), "WEIGHTS"), lines(resumed.get(1), "WEIGHTS"), Ranks.all(resumed));
  }

  @Test
  void aRanksExceptionStopsTheOtherNamingItsCause() {
    List<Ranks.Result> results = Ranks.run(2, 120, TrainerWorker.class, "fail");
    Ranks.requireAllSucceeded(results);
    assertTrue(results.get(1).output().contains("FAILED: IllegalStateException: planted failure in rank 1"),
        results.get(1).toString());
    Matcher m = Pattern.compile("FAILED: (\\w+): (.*)").matcher(results.get(0).output());
    assertTrue(m.find(), results.get(0).toString());
    assertEquals("DistributedException", m.group(1), m.group(2));
    assertTrue(m.group(2).contains("rank 1 failed with IllegalStateException: planted failure in rank 1"), m.group(2));
  }

  @Test
  void rankZerosExceptionReachesTheOthersThoughItHostsTheStore() {
    List<Ranks.Result> results = Ranks.run(2, 120, TrainerWorker.class, "fail0");
    Ranks.requireAllSucceeded(results);
    assertTrue(results.get(0).output().contains("FAILED: IllegalStateException: planted failure in rank 0"),
        results.get(0).toString());
    Matcher m = Pattern.compile("FAILED: (\\w+): (.*)").matcher(results.get(1).output());
    assertTrue(m.find(), results.get(1).toString());
    assertEquals("DistributedException", m.group(1), m.group(2));
    assertTrue(m.group(2).contains("rank 0 failed with IllegalStateException: planted failure in rank 0"), m.group(2));
  }

  private static List<String> lines(Ranks.Result r, String prefix) {
    return r.output().lines().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
  }
}
