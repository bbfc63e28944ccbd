package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.jdnn.distributed.DistributedSampler;
import org.jdnn.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DataLoader.ofIndices: a loader over a given order of samples (a DistributedSampler's shard).
 * Every test but the first needs the native library (tensors).
 */
// a regression in the hand-over between threads must fail the test, not hang the suite
@Timeout(value = 30, unit = java.util.concurrent.TimeUnit.SECONDS)
class DataLoaderIndicesTest {
  /** Plain Java: a sampler of one rank visits the samples in the loader's own shuffled order. */
  @Test
  void aSamplerOfOneRankHasTheOrderOfTheLoadersOwnShuffle() {
    for (int n : new int[] {0, 1, 2, 17, 1000}) {
      for (long seed : new long[] {0, 42, -7}) {
        for (int epoch = 0; epoch < 4; epoch++) {
          for (boolean shuffle : new boolean[] {false, true}) {
            assertArrayEquals(BatchIterator.permutation(n, shuffle, seed, epoch),
                new DistributedSampler(n, 0, 1, shuffle, seed, false).indices(epoch),
                "n=" + n + " seed=" + seed + " epoch=" + epoch + " shuffle=" + shuffle);
          }
        }
      }
    }
  }

  /** n samples whose single feature and label are both the sample's index. */
  private static ArrayDataset numbered(int n) {
    float[] x = new float[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
      y[i] = i;
    }
    return ArrayDataset.withLabels(x, new long[] {1}, y);
  }

  /** Each batch's labels, in order. */
  private static List<int[]> labels(DataLoader loader) {
    List<int[]> out = new ArrayList<>();
    try (loader) {
      for (Batch b : loader) {
        try (b) {
          int[] y = b.targets().toIntArray();
          float[] x = b.inputs().toFloatArray();
          for (int i = 0; i < y.length; i++) assertEquals(y[i], (int) x[i], "inputs and targets of one sample");
          out.add(y);
        }
      }
    }
    return out;
  }

  private static int[] flat(List<int[]> batches) {
    return batches.stream().flatMapToInt(Arrays::stream).toArray();
  }

  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {0, 2})
  void theBatchesFollowTheGivenOrder(int prefetch) {
    try (ArrayDataset d = numbered(10)) {
      long before = Device.cpu().bytesInUse();
      int[] indices = {5, 3, 3, 0, 9, 7, 1};
      DataLoader loader = DataLoader.ofIndices(d, 3, indices, 1, 0, null, prefetch, null);
      assertEquals(3, loader.batchCount());
      indices[0] = 8; // the loader keeps its own copy
      List<int[]> batches = labels(loader);
      assertEquals(3, batches.size());
      assertArrayEquals(new int[] {5, 3, 3}, batches.get(0));
      assertArrayEquals(new int[] {0, 9, 7}, batches.get(1));
      assertArrayEquals(new int[] {1}, batches.get(2));
      assertTrue(Device.cpu().bytesInUse() <= before, "batches freed");
    }
  }

  /** The loader's own shuffle as indices gives the same batches, augmentation included. */
  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {0, 2})
  void theLoadersOwnOrderAsIndicesGivesTheSameBatches(int prefetch) {
    try (ArrayDataset d = DataLoaderTest.images(23)) {
      Augmentation aug = Augmentation.compose(ImageAugmentations.randomCrop(1), ImageAugmentations.horizontalFlip(0.5),
          ImageAugmentations.gaussianNoise(0.1));
      int[] order = new DistributedSampler(23, 0, 1, true, 9, false).indices(2);
      List<float[]> own = inputs(new DataLoader(d, 5, true, 9, 2, aug, prefetch));
      List<float[]> given = inputs(DataLoader.ofIndices(d, 5, order, 9, 2, aug, prefetch, null));
      assertEquals(5, own.size());
      for (int i = 0; i < own.size(); i++) assertArrayEquals(own.get(i), given.get(i), "batch " + i);
    }
  }

  private static List<float[]> inputs(DataLoader loader) {
    List<float[]> out = new ArrayList<>();
    try (loader) {
      for (Batch b : loader) {
        try (b) {
          out.add(b.inputs().toFloatArray());
        }
      }
    }
    return out;
  }

  /** The ranks' loaders together see every sample once, but for the padding. */
  @Test
  void theRanksLoadersCoverTheDatasetBetweenThem() {
    int n = 23, world = 3;
    try (ArrayDataset d = numbered(n)) {
      int[] count = new int[n];
      for (int r = 0; r < world; r++) {
        DistributedSampler s = new DistributedSampler(n, r, world, true, 5, false);
        int[] seen = flat(labels(DataLoader.ofIndices(d, 4, s.indices(1), 5 + r, 1, null, 1, null)));
        assertArrayEquals(s.indices(1), seen, "rank " + r + " visits its shard in order");
        for (int v : seen) count[v]++;
      }
      int twice = 0;
      for (int k = 0; k < n; k++) {
        assertTrue(count[k] >= 1, "sample " + k + " seen by no rank");
        twice += count[k] - 1;
      }
      assertEquals(8 * world - n, twice, "only the padding is seen twice");
    }
  }

  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {0, 2})
  void anEmptyShardIsAnEpochOfNoBatches(int prefetch) {
    try (ArrayDataset d = numbered(4); DataLoader loader = DataLoader.ofIndices(d, 2, new int[0], 0, 0, null, prefetch, null)) {
      assertEquals(0, loader.batchCount());
      assertFalse(loader.hasNext());
    }
  }

  @Test
  void badArgumentsAreRefused() {
    try (ArrayDataset d = numbered(4)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> DataLoader.ofIndices(d, 2, new int[] {0, 3, 4}, 0, 0, null, 0, null));
      assertEquals("indices[2] = 4 is outside the dataset's [0, 4)", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> DataLoader.ofIndices(d, 2, new int[] {-1}, 0, 0, null, 2, null));
      assertEquals("indices[0] = -1 is outside the dataset's [0, 4)", e.getMessage());
      assertThrows(NullPointerException.class, () -> DataLoader.ofIndices(d, 2, null, 0, 0, null, 0, null));
      assertThrows(NullPointerException.class, () -> DataLoader.ofIndices(null, 2, new int[] {0}, 0, 0, null, 0, null));
      e = assertThrows(IllegalArgumentException.class, () -> DataLoader.ofIndices(d, 0, new int[] {0}, 0, 0, null, 0, null));
      assertEquals("batch size must be positive, got 0", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> DataLoader.ofIndices(d, 1, new int[] {0}, 0, -1, null, 0, null));
      assertEquals("epoch must be >= 0, got -1", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> DataLoader.ofIndices(d, 1, new int[] {0}, 0, 0, null, -1, null));
      assertEquals("DataLoader: prefetch must be >= 0, got -1", e.getMessage());
    }
  }

  @Test
  void closingMidEpochFreesTheQueuedBatches() throws Exception {
    try (ArrayDataset d = numbered(64)) {
      long before = Device.cpu().bytesInUse();
      int[] indices = new DistributedSampler(64, 1, 2, true, 3, false).indices(0);
      DataLoader loader = DataLoader.ofIndices(d, 2, indices, 3, 0, null, 3, null);
      try (Batch b = loader.next()) {
        assertArrayEquals(Arrays.copyOf(indices, 2), b.targets().toIntArray());
      }
      loader.close();
      assertFalse(loader.isPrefetching());
      assertThrows(CancellationException.class, loader::hasNext);
      assertTrue(Device.cpu().bytesInUse() <= before, "queued batches freed on close");
    }
  }
}
