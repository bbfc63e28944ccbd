package org.jdnn.device;

import static org.jdnn.device.ElementwiseParityTest.cudaDevices;
import static org.jdnn.device.ElementwiseParityTest.on;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Sums of the CUDA backend beyond the op database's parity rows (ReductionRows: sumTo and argmax
 * against the CPU, long sums, ties and NaN): double accumulation of float32 sums, empty sums.
 */
class ReduceParityTest {

  @Test
  void float32SumsAreAccumulatedInDouble() {
    // 2^24 + 1 rounds back to 2^24 in float32: a float accumulator would drop every one that follows.
    int n = 1 << 16;
    double[] x = new double[n];
    Arrays.fill(x, 1.0);
    x[0] = 1 << 24;
    double expected = (float) ((1 << 24) + (n - 1.0));
    for (Device d : cudaDevices()) {
      double got = on(d, () -> values(make(x, DType.FLOAT32).sum())[0]);
      assertEquals(expected, got, 0.0, "sum on " + d);
    }
  }

  @Test
  void sumOfAnEmptyTensorIsZeroAndSumToAnEmptyShapeIsEmpty() {
    for (Device d : cudaDevices()) {
      on(d, () -> {
        Tensor empty = Tensor.full(1, DType.FLOAT32, 0, 3);
        assertArrayEquals(new float[] {0, 0, 0}, empty.sumTo(3).toFloatArray());
        assertEquals(0, empty.sumTo(0, 1).numel());
        return null;
      });
    }
  }

}
