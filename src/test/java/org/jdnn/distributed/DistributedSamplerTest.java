package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** DistributedSampler against PyTorch's DistributedSampler rules; plain Java, no tensors. */
class DistributedSamplerTest {
  /** Dataset sizes and world sizes: divisible, not, smaller than the world, empty, one rank. */
  private static final int[][] CASES = {{10, 3}, {12, 4}, {7, 2}, {2, 5}, {1, 4}, {0, 3}, {5, 1}, {100, 7}, {64, 8}};

  private static DistributedSampler[] ranks(int n, int world, boolean shuffle, long seed, boolean dropLast) {
    DistributedSampler[] all = new DistributedSampler[world];
    for (int r = 0; r < world; r++) all[r] = new DistributedSampler(n, r, world, shuffle, seed, dropLast);
    return all;
  }

  /**
   * The order every rank drew from, padded or cut, put back together: position r + i * world is
   * rank r's i-th index.
   */
  private static int[] interleave(DistributedSampler[] ranks, int epoch) {
    int world = ranks.length;
    int length = ranks[0].shardLength();
    int[] all = new int[length * world];
    for (int r = 0; r < world; r++) {
      int[] shard = ranks[r].indices(epoch);
      assertEquals(length, shard.length, "rank " + r + "'s shard length");
      for (int i = 0; i < length; i++) all[r + i * world] = shard[i];
    }
    return all;
  }

  private static boolean isPermutation(int[] a, int n) {
    if (a.length != n) return false;
    boolean[] seen = new boolean[n];
    for (int v : a) {
      if (v < 0 || v >= n || seen[v]) return false;
      seen[v] = true;
    }
    return true;
  }

  @Test
  void paddedShardsHaveOneLengthAndTogetherAreTheOrderPaddedWithItsStart() {
    for (boolean shuffle : new boolean[] {false, true}) {
      for (int[] c : CASES) {
        int n = c[0], world = c[1];
        String what = "n=" + n + " world=" + world + " shuffle=" + shuffle;
        DistributedSampler[] ranks = ranks(n, world, shuffle, 42, false);
        int length = (n + world - 1) / world;
        for (DistributedSampler s : ranks) assertEquals(length, s.shardLength(), what);
        for (int epoch = 0; epoch < 3; epoch++) {
          int[] padded = interleave(ranks, epoch);
          assertEquals(length * world, padded.length, what);
          int[] order = Arrays.copyOf(padded, n);
          assertTrue(isPermutation(order, n), what + ": the first N positions are a permutation " + Arrays.toString(order));
          for (int p = n; p < padded.length; p++) {
            assertEquals(order[p % n], padded[p], what + ": padding position " + p + " repeats the order's start");
          }
          // so the shards are disjoint but for the padding: each sample once, padding - extra ones twice or more
          int[] count = new int[n];
          for (int v : padded) count[v]++;
          int extra = 0;
          for (int k = 0; k < n; k++) {
            assertTrue(count[k] >= 1, what + ": sample " + k + " in no shard");
            extra += count[k] - 1;
          }
          assertEquals(length * world - n, extra, what + ": repeated samples are the padding only");
        }
      }
    }
  }

  @Test
  void dropLastCutsTheOrderToAMultipleOfTheWorld() {
    for (boolean shuffle : new boolean[] {false, true}) {
      for (int[] c : CASES) {
        int n = c[0], world = c[1];
        String what = "n=" + n + " world=" + world + " shuffle=" + shuffle;
        DistributedSampler[] ranks = ranks(n, world, shuffle, 7, true);
        int length = n / world;
        for (DistributedSampler s : ranks) assertEquals(length, s.shardLength(), what);
        int[] kept = interleave(ranks, 2);
        assertEquals(Arrays.stream(kept).distinct().count(), kept.length, what + ": disjoint shards");
        // the kept samples are the start of the same epoch's padded order
        int[] padded = interleave(ranks(n, world, shuffle, 7, false), 2);
        assertArrayEquals(Arrays.copyOf(padded, kept.length), kept, what);
        assertEquals(n - n % world, kept.length, what + ": N mod world samples dropped");
      }
    }
  }

  @Test
  void withoutShuffleTheShardsAreStridedSlicesOfZeroToN() {
    assertArrayEquals(new int[] {0, 3, 6, 9}, new DistributedSampler(10, 0, 3, false, 1, false).indices(0));
    assertArrayEquals(new int[] {1, 4, 7, 0}, new DistributedSampler(10, 1, 3, false, 1, false).indices(5));
    assertArrayEquals(new int[] {2, 5, 8, 1}, new DistributedSampler(10, 2, 3, false, 1, false).indices(0));
    assertArrayEquals(new int[] {1, 4, 7}, new DistributedSampler(10, 1, 3, false, 1, true).indices(0));
    // N < world: the order 0, 1 repeated to 5 positions, 0 1 0 1 0
    int[] expected = {0, 1, 0, 1, 0};
    for (int r = 0; r < 5; r++) {
      assertArrayEquals(new int[] {expected[r]}, new DistributedSampler(2, r, 5, false, 0, false).indices(0), "rank " + r);
      assertArrayEquals(new int[0], new DistributedSampler(2, r, 5, false, 0, true).indices(0), "rank " + r);
    }
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, new DistributedSampler(5, 0, 1, false, 3, false).indices(4));
  }

  @Test
  void everyRankDrawsTheSameOrderForAnEpochAndANewOneTheNextEpoch() {
    int n = 50, world = 4;
    // two sets of samplers built apart, as separate processes would build them
    int[] a0 = interleave(ranks(n, world, true, 1234, false), 0);
    int[] b0 = interleave(ranks(n, world, true, 1234, false), 0);
    assertArrayEquals(a0, b0, "same seed and epoch, same order");
    int[] a1 = interleave(ranks(n, world, true, 1234, false), 1);
    assertNotEquals(Arrays.toString(a0), Arrays.toString(a1), "epoch 1 has its own order");
    int[] other = interleave(ranks(n, world, true, 1235, false), 0);
    assertNotEquals(Arrays.toString(a0), Arrays.toString(other), "another seed, another order");
    int[] identity = new int[n];
    Arrays.setAll(identity, i -> i);
    assertNotEquals(Arrays.toString(identity), Arrays.toString(Arrays.copyOf(a0, n)), "shuffled");
    DistributedSampler s = new DistributedSampler(n, 3, world, true, 1234, false);
    assertArrayEquals(s.indices(7), s.indices(7), "indices(epoch) is a function of the epoch");
  }

  /** The order of one seed and epoch, pinned: ranks of one job may run different builds of jdnn. */
  @Test
  void theShuffledOrderIsPinned() {
    assertArrayEquals(new int[] {1, 8, 4, 11, 6, 5, 3, 7, 10, 2, 9, 0},
        new DistributedSampler(12, 0, 1, true, 42, false).indices(0));
    assertArrayEquals(new int[] {0, 7, 1, 2}, new DistributedSampler(12, 1, 3, true, 42, false).indices(3));
  }

  @Test
  void argumentsAreCheckedWithTheirNameValueAndRange() {
    assertMessage(() -> new DistributedSampler(-1, 0, 1, true, 0, false), "datasetSize must be >= 0, got -1");
    assertMessage(() -> new DistributedSampler(10, 0, 0, true, 0, false), "worldSize must be >= 1, got 0");
    assertMessage(() -> new DistributedSampler(10, -1, 4, true, 0, false), "rank must be in [0, worldSize) = [0, 4), got -1");
    assertMessage(() -> new DistributedSampler(10, 4, 4, true, 0, false), "rank must be in [0, worldSize) = [0, 4), got 4");
    assertMessage(() -> new DistributedSampler(10, 0, 4, true, 0, false).indices(-1), "epoch must be >= 0, got -1");
  }

  private static void assertMessage(Runnable call, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
  }

  @Test
  void shardLengthsOfHugeDatasetsDoNotOverflow() {
    assertEquals(715_827_883, new DistributedSampler(Integer.MAX_VALUE, 2, 3, true, 0, false).shardLength());
    assertEquals(715_827_882, new DistributedSampler(Integer.MAX_VALUE, 2, 3, true, 0, true).shardLength());
    assertEquals(1, new DistributedSampler(1, 0, Integer.MAX_VALUE, true, 0, false).shardLength());
  }

  @Test
  void accessorsAndDescription() {
    DistributedSampler s = new DistributedSampler(1000, 1, 4, true, 9, false);
    assertEquals(1, s.rank());
    assertEquals(4, s.worldSize());
    assertEquals(250, s.shardLength());
    assertEquals("DistributedSampler[rank 1 of 4, 1000 samples, 250 per rank, shuffled, padded]", s.toString());
  }

  private static Map<String, String> env(String... keyValues) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) env.put(keyValues[i], keyValues[i + 1]);
    return env;
  }

  @Test
  void theEnvironmentGivesTheRankAndWorldSize() {
    DistributedSampler s = DistributedSampler.fromEnvironment(env("RANK", "2", "WORLD_SIZE", "3", "LOCAL_RANK", "0"), 10, true, 5);
    assertEquals(2, s.rank());
    assertEquals(3, s.worldSize());
    assertEquals(4, s.shardLength(), "padded, not dropping the last samples");
    assertArrayEquals(new DistributedSampler(10, 2, 3, true, 5, false).indices(1), s.indices(1));

    DistributedSampler alone = DistributedSampler.fromEnvironment(env(), 10, false, 5);
    assertEquals(0, alone.rank());
    assertEquals(1, alone.worldSize());
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, alone.indices(0), "no environment: every sample");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      "x    | 2    | environment variable RANK must be an integer, got 'x'",
      "1    | two  | environment variable WORLD_SIZE must be an integer, got 'two'",
      "''   | 2    | environment variable RANK must be an integer, got ''",
      "' 1' | 2    | environment variable RANK must be an integer, got ' 1'",
      "0    | 0    | WORLD_SIZE must be >= 1, got 0",
      "2    | 2    | RANK must be in [0, WORLD_SIZE) = [0, 2), got 2",
      "-1   | 2    | RANK must be in [0, WORLD_SIZE) = [0, 2), got -1",
      "null | 4    | WORLD_SIZE is set (4) but RANK is not",
      "3    | null | RANK is set (3) but WORLD_SIZE is not"})
  void aMalformedEnvironmentIsRefusedNamingTheVariable(String rank, String world, String message) {
    Map<String, String> env = new HashMap<>();
    if (rank != null) env.put("RANK", rank);
    if (world != null) env.put("WORLD_SIZE", world);
    assertMessage(() -> DistributedSampler.fromEnvironment(env, 10, true, 0), message);
  }

  @Test
  void fromEnvironmentReadsTheProcessEnvironment() {
    String rank = System.getenv("RANK"), world = System.getenv("WORLD_SIZE");
    assumeTrue(rank == null && world == null, "the test JVM runs as a rank (RANK/WORLD_SIZE set)");
    DistributedSampler s = DistributedSampler.fromEnvironment(6, true, 1);
    assertEquals(0, s.rank());
    assertEquals(1, s.worldSize());
    assertEquals(6, s.shardLength());
  }
}
