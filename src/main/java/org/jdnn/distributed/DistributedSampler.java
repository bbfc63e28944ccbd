package org.jdnn.distributed;

import java.util.Map;
import java.util.SplittableRandom;
import org.jdnn.data.BatchIterator;

/**
 * One rank's share of a dataset's samples for each epoch of a data-parallel job, as PyTorch's
 * {@code DistributedSampler} deals them out.
 *
 * <p>Every rank computes the same order of the N samples for an epoch: 0..N-1, or with shuffling
 * a permutation drawn from (seed, epoch). That order is padded to a multiple of the world size by
 * repeating its first indices (as many times as needed when N is smaller than the world), or with
 * {@code dropLast} cut to a multiple; rank r then takes positions r, r + worldSize,
 * r + 2 worldSize, ... So the shards have one length, {@link #shardLength()} = ceil(N / worldSize)
 * (floor with {@code dropLast}); they are disjoint except for the padding samples, which appear
 * twice; and together they cover every sample (with {@code dropLast}, every sample but the last
 * N mod worldSize of the epoch's order).
 *
 * <p>The permutation is a Fisher-Yates shuffle (from the last position down, position i swapped
 * with {@code nextInt(i + 1)}) driven by a {@link SplittableRandom} seeded with
 * {@code seed ^ (0x9E3779B97F4A7C15L * (epoch + 1))}: the order of {@code
 * org.jdnn.data.DataLoader}'s own shuffle, so a job of one rank visits the samples in the order a
 * plain loader with the same seed would. A SplittableRandom's numbers depend on its seed alone
 * (pure Java, no hardware, thread or clock input), so every rank computes the same order without
 * exchanging it; each epoch gets a different one.
 *
 * <pre>{@code
 * DistributedSampler sampler = DistributedSampler.fromEnvironment(train.size(), true, 42);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *   try (DataLoader loader = DataLoader.ofIndices(train, 64, sampler.indices(epoch), 42 + sampler.rank(), epoch,
 *       augmentation, 2, null)) {
 *     for (Batch b : loader) { ... }
 *   }
 * }
 * }</pre>
 *
 * Instances are immutable and safe to share between threads.
 */
public final class DistributedSampler {
  private final int datasetSize;
  private final int rank;
  private final int worldSize;
  private final boolean shuffle;
  private final long seed;
  private final boolean dropLast;
  private final int shardLength;

  /**
   * A sampler for rank {@code rank} of {@code worldSize}.
   *
   * @param datasetSize N, the number of samples, at least 0
   * @param rank this process's rank, in [0, worldSize)
   * @param worldSize the number of ranks, at least 1
   * @param shuffle whether each epoch's order is a permutation drawn from (seed, epoch) rather than
   *     0..N-1
   * @param seed the job's seed, the same on every rank
   * @param dropLast whether to cut the order to a multiple of {@code worldSize} (shards of
   *     floor(N / worldSize) samples) rather than pad it (ceil(N / worldSize))
   * @throws IllegalArgumentException when {@code datasetSize} &lt; 0, {@code worldSize} &lt; 1 or
   *     {@code rank} is outside [0, worldSize); the message names the parameter, its value and the
   *     valid range
   */
  public DistributedSampler(int datasetSize, int rank, int worldSize, boolean shuffle, long seed, boolean dropLast) {
    if (datasetSize < 0) {
      throw new IllegalArgumentException("DistributedSampler: datasetSize must be >= 0, got " + datasetSize);
    }
    if (worldSize < 1) throw new IllegalArgumentException("DistributedSampler: worldSize must be >= 1, got " + worldSize);
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "DistributedSampler: rank must be in [0, worldSize) = [0, " + worldSize + "), got " + rank);
    }
    this.datasetSize = datasetSize;
    this.rank = rank;
    this.worldSize = worldSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    // in long: datasetSize + worldSize - 1 may pass Integer.MAX_VALUE; the quotient fits an int
    this.shardLength = (int) (dropLast ? (long) datasetSize / worldSize : ((long) datasetSize + worldSize - 1) / worldSize);
  }

  /**
   * A sampler for this process's rank in the job that scripts/jdnn-run (or torchrun) started, from
   * the environment variables {@code RANK} and {@code WORLD_SIZE}; padded, not dropping the last
   * samples. A process started without them (neither set) is rank 0 of 1 and gets every sample.
   *
   * @param datasetSize N, the number of samples, at least 0
   * @param shuffle whether each epoch's order is a permutation drawn from (seed, epoch)
   * @param seed the job's seed, the same on every rank
   * @return the sampler of this process's rank
   * @throws IllegalArgumentException when only one of the two variables is set, when one is not
   *     a decimal integer, when {@code WORLD_SIZE} &lt; 1 or {@code RANK} is outside [0,
   *     WORLD_SIZE) (the message names the variable and its value), or when {@code datasetSize}
   *     &lt; 0
   */
  public static DistributedSampler fromEnvironment(int datasetSize, boolean shuffle, long seed) {
    return fromEnvironment(System.getenv(), datasetSize, shuffle, seed);
  }

  /** {@link #fromEnvironment(int, boolean, long)} reading {@code env} instead of the process's environment. */
  static DistributedSampler fromEnvironment(Map<String, String> env, int datasetSize, boolean shuffle, long seed) {
    String rankText = env.get("RANK");
    String worldText = env.get("WORLD_SIZE");
    if (rankText == null && worldText == null) return new DistributedSampler(datasetSize, 0, 1, shuffle, seed, false);
    if (rankText == null) {
      throw new IllegalArgumentException("DistributedSampler: WORLD_SIZE is set (" + worldText + ") but RANK is not");
    }
    if (worldText == null) {
      throw new IllegalArgumentException("DistributedSampler: RANK is set (" + rankText + ") but WORLD_SIZE is not");
    }
    int world = parse("WORLD_SIZE", worldText);
    int rank = parse("RANK", rankText);
    if (world < 1) throw new IllegalArgumentException("DistributedSampler: WORLD_SIZE must be >= 1, got " + world);
    if (rank < 0 || rank >= world) {
      throw new IllegalArgumentException(
          "DistributedSampler: RANK must be in [0, WORLD_SIZE) = [0, " + world + "), got " + rank);
    }
    return new DistributedSampler(datasetSize, rank, world, shuffle, seed, false);
  }

  private static int parse(String variable, String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "DistributedSampler: environment variable " + variable + " must be an integer, got '" + text + "'", e);
    }
  }

  /**
   * This rank's samples for one epoch, in the order to visit them.
   *
   * @param epoch the epoch's index, at least 0; the same on every rank
   * @return a new array of {@link #shardLength()} indices in [0, N)
   * @throws IllegalArgumentException when {@code epoch} &lt; 0
   */
  public int[] indices(int epoch) {
    if (epoch < 0) throw new IllegalArgumentException("DistributedSampler: epoch must be >= 0, got " + epoch);
    int[] order = BatchIterator.permutation(datasetSize, shuffle, seed, epoch);
    int[] shard = new int[shardLength];
    // position p of the padded order is order[p mod N]: the padding repeats the order's start
    long position = rank;
    for (int i = 0; i < shardLength; i++, position += worldSize) shard[i] = order[(int) (position % datasetSize)];
    return shard;
  }

  /**
   * The number of samples each rank gets per epoch.
   *
   * @return ceil(N / worldSize), or floor(N / worldSize) with {@code dropLast}
   */
  public int shardLength() {
    return shardLength;
  }

  /**
   * This sampler's rank.
   *
   * @return the rank, in [0, worldSize)
   */
  public int rank() {
    return rank;
  }

  /**
   * The number of ranks.
   *
   * @return the world size, at least 1
   */
  public int worldSize() {
    return worldSize;
  }

  /**
   * A description for logs.
   *
   * @return e.g. {@code DistributedSampler[rank 1 of 4, 1000 samples, 250 per rank, shuffled, padded]}
   */
  @Override
  public String toString() {
    return "DistributedSampler[rank " + rank + " of " + worldSize + ", " + datasetSize + " samples, " + shardLength
        + " per rank, " + (shuffle ? "shuffled" : "in order") + ", " + (dropLast ? "last dropped" : "padded") + "]";
  }
}
