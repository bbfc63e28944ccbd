package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MemoryOps#gatherNextRows}: the next batch of an epoch order, by a cursor on the device, against the rows
 * picked on the host; the cursor's moves; a batch past the order and bad arguments refused on every device.
 */
class GatherNextRowsTest {
  private static final int ROWS = 7;
  private static final int WIDTH = 3;

  private static float[] features() {
    float[] x = new float[ROWS * WIDTH];
    for (int i = 0; i < x.length; i++) x[i] = i * 0.5f - 3;
    return x;
  }

  private static long[] labels() {
    long[] y = new long[ROWS];
    for (int i = 0; i < ROWS; i++) y[i] = 100 + i;
    return y;
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void gathersTheNextBatchOfTheOrderAndMovesTheCursor(TestDevice testDevice) {
    Device d = testDevice.device();
    int[] order = {4, 0, 6, 2, 5, 1, 3};
    float[] x = features();
    long[] y = labels();
    try (Tensor hx = Tensor.of(x, ROWS, WIDTH); Tensor hy = Tensor.ofLongs(y, ROWS);
        Tensor ho = Tensor.ofInts(order, ROWS); Tensor hc = Tensor.ofLongs(new long[] {0}, 1);
        Tensor a = hx.to(d); Tensor b = hy.to(d); Tensor o = ho.to(d); Tensor cursor = hc.to(d);
        Tensor intoA = Tensor.empty(DType.FLOAT32, d, 3, WIDTH); Tensor intoB = Tensor.empty(DType.INT64, d, 3)) {
      for (int batch = 0; batch < 2; batch++) {
        MemoryOps.gatherNextRows(a, b, o, cursor, intoA, intoB);
        float[] wantA = new float[3 * WIDTH];
        long[] wantB = new long[3];
        for (int r = 0; r < 3; r++) {
          int row = order[batch * 3 + r];
          System.arraycopy(x, row * WIDTH, wantA, r * WIDTH, WIDTH);
          wantB[r] = y[row];
        }
        assertArrayEquals(wantA, intoA.toFloatArray(), "features of batch " + batch);
        assertArrayEquals(wantB, intoB.toLongArray(), "labels of batch " + batch);
        assertArrayEquals(new long[] {3L * (batch + 1)}, cursor.toLongArray(), "cursor after batch " + batch);
      }
      // a third batch of 3 would need rows 6..8 of an order of 7
      IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class, () -> {
        MemoryOps.gatherNextRows(a, b, o, cursor, intoA, intoB);
        d.checkErrors();  // a GPU finds it in the kernel and reports it at the next wait
      });
      assertTrue(past.getMessage().contains("gather_rows_next: the batch of 3 rows at cursor 6 runs past the order's "
          + "7 rows; reset the cursor to 0 at each epoch"), past.getMessage());
      assertArrayEquals(new long[] {9}, cursor.toLongArray(), "the cursor moves on all the same");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void badArgumentsAreRefusedWithTheFix(TestDevice testDevice) {
    Device d = testDevice.device();
    try (Tensor a = Tensor.zeros(DType.FLOAT32, ROWS, WIDTH).to(d); Tensor b = Tensor.zeros(DType.INT64, ROWS).to(d);
        Tensor o = Tensor.zeros(DType.INT32, ROWS).to(d); Tensor cursor = Tensor.zeros(DType.INT64, 1).to(d);
        Tensor intCursor = Tensor.zeros(DType.INT32, 1).to(d); Tensor floatOrder = Tensor.zeros(DType.FLOAT32, ROWS).to(d);
        Tensor intoA = Tensor.empty(DType.FLOAT32, d, 2, WIDTH); Tensor intoB = Tensor.empty(DType.INT64, d, 2);
        Tensor wideA = Tensor.empty(DType.FLOAT32, d, 2, WIDTH + 1); Tensor bigA = Tensor.empty(DType.FLOAT32, d, 8, WIDTH);
        Tensor bigB = Tensor.empty(DType.INT64, d, 8)) {
      assertMessage(() -> MemoryOps.gatherNextRows(a, b, o, intCursor, intoA, intoB), "the cursor must be one int64");
      assertMessage(() -> MemoryOps.gatherNextRows(a, b, floatOrder, cursor, intoA, intoB),
          "the order must be a one-dimensional int32 or int64 tensor");
      assertMessage(() -> MemoryOps.gatherNextRows(a, b, o, cursor, wideA, intoB),
          "must have the dtype and row shape of its source");
      assertMessage(() -> MemoryOps.gatherNextRows(a, b, o, cursor, bigA, bigB), "a batch of 8 rows from an order of 7");
    }
  }

  private static void assertMessage(Runnable call, String part) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().startsWith("gatherNextRows: ") && e.getMessage().contains(part), e.getMessage());
  }
}
