package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.SplittableRandom;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** A dataset on a GPU: the epoch's order goes up once, and no batch copies anything from the host. */
class DeviceDatasetTest {
  private static final Device EMU = Device.cudaEmulated();
  private static final int N = 40;

  private static ArrayDataset data() {
    SplittableRandom r = new SplittableRandom(5);
    float[] x = new float[N * 3];
    int[] y = new int[N];
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
    for (int i = 0; i < N; i++) y[i] = i % 4;
    return ArrayDataset.withLabels(x, new long[] {3}, y);
  }

  @Test
  void batchesOnTheDeviceEqualTheCpusAndCopyNothingFromTheHostPerStep() {
    try (ArrayDataset cpu = data(); ArrayDataset gpu = cpu.to(EMU)) {
      assertEquals(EMU, gpu.features().device());
      BatchIterator a = cpu.batches(8, true, 42, 3), b = gpu.batches(8, true, 42, 3);
      EMU.synchronize(); // the copy above done: the order's upload below finds its staging buffer free
      for (int i = 0; a.hasNext(); i++) {
        try (TensorScope s = new TensorScope()) {
          Batch expected = a.next();
          DeviceStats before = EMU.stats();
          Batch got = b.next();
          DeviceStats d = EMU.stats().minus(before);
          // The first batch uploads the epoch's order (4 bytes a sample); later ones only work on the device.
          assertEquals(i == 0 ? 4L * N : 0, d.h2dBytes(), "batch " + i + ": " + d.line());
          assertEquals(0, d.syncs(), "batch " + i + ": " + d.line());
          assertEquals(1, d.launches(), "one gather of images and labels (the slice of the order is a device copy): " + d.line());
          assertArrayEquals(expected.inputs().toFloatArray(), got.inputs().toFloatArray(), "batch " + i);
          assertArrayEquals(expected.targets().toIntArray(), got.targets().toIntArray(), "batch " + i);
        }
      }
      assertEquals(false, b.hasNext());
    }
  }

  @Test
  void theOrderIsFreedAfterTheLastBatchOrByClose() {
    try (ArrayDataset cpu = data(); ArrayDataset gpu = cpu.to(EMU)) {
      assertNotSame(cpu.features(), gpu.features());
      long live = JdnnNative.tensor_live_handles();
      BatchIterator whole = gpu.batches(16, false, 0, 0);
      for (Batch b : whole) b.close();
      assertEquals(live, JdnnNative.tensor_live_handles(), "walked to the end: the order is freed");
      BatchIterator early = gpu.batches(16, false, 0, 0);
      early.next().close();
      early.close();
      assertEquals(live, JdnnNative.tensor_live_handles(), "left early and closed: the order is freed");
      try (DataLoader loader = new DataLoader(gpu, 16, true, 1, 0, null, 2)) {
        loader.next().close();
      }
      assertEquals(live, JdnnNative.tensor_live_handles(), "a loader closes its iterator");
    }
  }

  @Test
  void anEpochLeftWithoutCloseIsFreedWithTheDataset() {
    try (ArrayDataset cpu = data()) {
      long live = JdnnNative.tensor_live_handles();
      ArrayDataset gpu = cpu.to(EMU);
      for (Batch b : gpu.batches(16, true, 1, 0)) {
        b.close();
        break; // the for-each loop never closes its iterator
      }
      gpu.close();
      assertEquals(live, JdnnNative.tensor_live_handles(), "the dataset's close frees the abandoned epoch's order");
    }
  }

  @Test
  void toTheSameDeviceCopies() {
    try (ArrayDataset cpu = data(); ArrayDataset copy = cpu.to(Device.cpu())) {
      assertNotSame(cpu.features(), copy.features());
      assertArrayEquals(cpu.features().toFloatArray(), copy.features().toFloatArray());
      assertArrayEquals(cpu.targets().toIntArray(), copy.targets().toIntArray());
    }
  }
}
