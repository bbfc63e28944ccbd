package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {
  private static ArrayDataset dataset(int n) {
    float[] x = new float[n * 2];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = i;
      x[2 * i + 1] = -i;
      y[i] = i;
    }
    return ArrayDataset.withLabels(x, new long[] {2}, y);
  }

  private static List<Integer> order(ArrayDataset d, int batch, boolean shuffle, long seed, int epoch) {
    List<Integer> out = new ArrayList<>();
    for (Batch b : d.batches(batch, shuffle, seed, epoch)) {
      try (TensorScope s = new TensorScope(); b) {
        float[] x = b.inputs().toFloatArray();
        int[] y = b.targets().toIntArray();
        for (int i = 0; i < y.length; i++) {
          assertEquals(y[i], x[2 * i], "features travel with their label");
          assertEquals(-y[i], x[2 * i + 1]);
          out.add(y[i]);
        }
      }
    }
    return out;
  }

  @Test
  void everySampleOnceWithASmallerLastBatch() {
    try (ArrayDataset d = dataset(10)) {
      BatchIterator it = d.batches(4, false, 0, 0);
      assertEquals(3, it.batchCount());
      assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), order(d, 4, false, 0, 0));
    }
  }

  @Test
  void shufflingIsSeededPerEpoch() {
    try (ArrayDataset d = dataset(50)) {
      List<Integer> a = order(d, 8, true, 7, 0), b = order(d, 8, true, 7, 0);
      List<Integer> c = order(d, 8, true, 7, 1), e = order(d, 8, true, 8, 0);
      assertEquals(a, b);
      assertFalse(a.equals(c), "another epoch, another order");
      assertFalse(a.equals(e), "another seed, another order");
      int[] sorted = a.stream().mapToInt(Integer::intValue).sorted().toArray();
      int[] all = new int[50];
      Arrays.setAll(all, i -> i);
      assertArrayEquals(all, sorted);
    }
  }

  @Test
  void badBatchSizeIsRejected() {
    try (ArrayDataset d = dataset(3)) {
      assertThrows(IllegalArgumentException.class, () -> d.batches(0, false, 0, 0));
    }
  }
}
