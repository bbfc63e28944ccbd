package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// a regression in the hand-over between threads must fail the test, not hang the suite
@Timeout(value = 30, unit = java.util.concurrent.TimeUnit.SECONDS)
class DataLoaderTest {
  static ArrayDataset images(int n) {
    float[] x = new float[n * 2 * 4 * 4];
    for (int i = 0; i < x.length; i++) x[i] = i;
    int[] y = new int[n];
    for (int i = 0; i < n; i++) y[i] = i % 3;
    return ArrayDataset.withLabels(x, new long[] {2, 4, 4}, y);
  }

  private static List<float[]> drain(DataLoader loader) {
    List<float[]> out = new ArrayList<>();
    try (loader) {
      for (Batch b : loader) {
        try (b) {
          out.add(b.inputs().toFloatArray());
          float[] y = new float[b.size()];
          int[] labels = b.targets().toIntArray();
          for (int i = 0; i < y.length; i++) y[i] = labels[i];
          out.add(y);
        }
      }
    }
    return out;
  }

  @Test
  void prefetchDeliversTheSameBatchesAsTheSynchronousIterator() {
    try (ArrayDataset d = images(23)) {
      Augmentation aug = Augmentation.compose(ImageAugmentations.randomCrop(1), ImageAugmentations.horizontalFlip(0.5),
          ImageAugmentations.gaussianNoise(0.1));
      long before = Device.cpu().bytesInUse();
      List<float[]> sync = drain(new DataLoader(d, 5, true, 9, 2, aug, 0));
      List<float[]> prefetched = drain(new DataLoader(d, 5, true, 9, 2, aug, 2));
      assertEquals(10, sync.size());
      for (int i = 0; i < sync.size(); i++) assertArrayEquals(sync.get(i), prefetched.get(i), "batch part " + i);
      List<float[]> plain = new ArrayList<>();
      try (TensorScope s = new TensorScope()) {
        for (Batch b : d.batches(5, true, 9, 2)) plain.add(toFloats(b.targets()));
      }
      for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), sync.get(2 * i + 1), "same order as BatchIterator");
      assertTrue(Device.cpu().bytesInUse() <= before, "batches freed");
    }
  }

  private static float[] toFloats(Tensor labels) {
    int[] l = labels.toIntArray();
    float[] f = new float[l.length];
    for (int i = 0; i < l.length; i++) f[i] = l[i];
    return f;
  }

  @Test
  void closeMidEpochStopsTheThreadAndFreesQueuedBatches() throws Exception {
    try (ArrayDataset d = images(64)) {
      long before = Device.cpu().bytesInUse();
      DataLoader loader = new DataLoader(d, 2, false, 0, 0, null, 3);
      try (Batch b = loader.next()) {
        assertEquals(2, b.size());
      }
      Thread.sleep(50);
      assertTrue(loader.isPrefetching(), "worker waits on the full queue");
      loader.close();
      assertFalse(loader.isPrefetching());
      assertThrows(CancellationException.class, loader::hasNext, "a closed loader is not a finished epoch");
      assertTrue(Device.cpu().bytesInUse() <= before, "queued batches freed on close");
    }
  }

  @Test
  void producerFailureReachesTheConsumerAndEndsTheThread() {
    try (ArrayDataset d = images(8)) {
      DataLoader loader = new DataLoader(d, 4, false, 0, 0, (x, seed) -> {
        throw new IllegalStateException("augmentation broke");
      }, 2);
      IllegalStateException e = assertThrows(IllegalStateException.class, loader::next);
      assertEquals("augmentation broke", e.getMessage());
      assertFalse(loader.isPrefetching());
      loader.close();
    }
  }

  @Test
  void augmentationsAreDeterministicPerSeed() {
    try (TensorScope s = new TensorScope(); ArrayDataset d = images(6)) {
      Augmentation aug = Augmentation.compose(ImageAugmentations.randomCrop(2), ImageAugmentations.horizontalFlip(0.5),
          ImageAugmentations.gaussianNoise(0.5));
      float[] a = aug.apply(d.features(), 42).toFloatArray();
      assertArrayEquals(a, aug.apply(d.features(), 42).toFloatArray());
      assertNotEquals(java.util.Arrays.hashCode(a), java.util.Arrays.hashCode(aug.apply(d.features(), 43).toFloatArray()));
      float[] flipped = ImageAugmentations.horizontalFlip(1).apply(d.features(), 0).toFloatArray();
      assertEquals(3f, flipped[0]);
      assertEquals(0f, flipped[3]);
      float[] shifted = ImageAugmentations.randomCrop(0).apply(d.features(), 5).toFloatArray();
      assertArrayEquals(d.features().toFloatArray(), shifted, "no padding, no shift");
    }
  }
}
