package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several Java threads on one CUDA device at once, as a data loader's workers upload batches while
 * the training thread runs ops and frees tensors: every result must be the one its thread computed.
 */
class ConcurrentUseTest {

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void threadsUploadComputeAndDownloadIndependently(TestDevice testDevice) throws Exception {
    Device dev = testDevice.device();
    final int threads = 4, rounds = 60;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        final int id = t;
        done.add(pool.submit(() -> {
          Random r = new Random(100 + id);
          for (int k = 0; k < rounds; k++) {
            // Sizes vary so uploads need staging of different sizes and blocks are recycled.
            int rows = 1 + r.nextInt(40), cols = 1 + r.nextInt(33);
            float[] a = new float[rows * cols];
            float[] b = new float[cols];
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() * 4 - 2;
            for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
            int[] pick = new int[1 + r.nextInt(rows)];
            for (int i = 0; i < pick.length; i++) pick[i] = r.nextInt(rows);
            float[] expected = new float[pick.length * cols];
            for (int i = 0; i < pick.length; i++)
              for (int j = 0; j < cols; j++) {
                float v = a[pick[i] * cols + j] + b[j];
                expected[i * cols + j] = v > 0 ? v : 0;
              }
            try (Tensor ha = Tensor.of(a, rows, cols); Tensor hb = Tensor.of(b, cols);
                Tensor hi = Tensor.ofInts(pick, pick.length); Tensor da = ha.to(dev); Tensor db = hb.to(dev);
                Tensor di = hi.to(dev); Tensor g = MemoryOps.gatherRows(da, di); Tensor s = g.add(db);
                Tensor y = s.relu(); Tensor back = y.to(Device.cpu())) {
              assertArrayEquals(expected, back.toFloatArray(), "thread " + id + " round " + k);
            }
          }
        }));
      }
      for (Future<?> f : done) f.get();
    } finally {
      pool.shutdownNow();
    }
  }
}
