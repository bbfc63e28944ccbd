package org.jdnn.device;

import static org.jdnn.device.ElementwiseParityTest.assertParity;
import static org.jdnn.device.ElementwiseParityTest.cudaDevices;
import static org.jdnn.device.ElementwiseParityTest.on;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.makeOrScalar;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** sum_to and argmax of the CUDA backend against the CPU backend. */
class ReduceParityTest {

  /** (x shape, target shape): bias gradients, per-channel sums, full sums, no-ops, interleaved dims. */
  static final long[][][] SUMS = {
    {{5, 7}, {7}},
    {{5, 7}, {1, 7}},
    {{5, 7}, {5, 1}},
    {{5, 7}, {}},
    {{5, 7}, {1}},
    {{5, 7}, {5, 7}},
    {{1, 7}, {7}},
    {{2, 3, 4, 5}, {1, 3, 1, 1}},
    {{2, 3, 4, 5}, {3, 1, 1}},
    {{2, 3, 4, 5}, {2, 1, 4, 1}},
    {{2, 3, 4, 5}, {1, 3, 4, 5}},
    {{2, 3, 4, 5}, {4, 5}},
    {{3, 1, 4}, {1, 1, 1}},
    {{1}, {}},
    // Long sums over few outputs: split into pieces and added in a second pass.
    {{3000, 7}, {7}},
    {{64, 3, 17, 19}, {1, 3, 1, 1}},
    {{100003}, {}},
    {{2, 70000}, {2, 1}},
  };

  @Test
  void sumToMatchesTheCpuForwardAndBackward() {
    Random r = new Random(21);
    for (DType dt : FLOATS) {
      for (long[][] pair : SUMS) {
        double[] x = uniform(r, numel(pair[0]), -1, 1, false);
        double[] g = uniform(r, numel(pair[1]), -1, 1, false);
        assertParity(dt, "sumTo " + Arrays.toString(pair[0]) + " -> " + Arrays.toString(pair[1]), () -> {
          Tensor xt = makeOrScalar(x, dt, pair[0]).requiresGrad(true);
          Tensor y = xt.sumTo(pair[1]);
          y.backward(makeOrScalar(g, dt, pair[1]));
          return new double[][] {values(y), values(xt.grad())};
        });
      }
    }
  }

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

  @Test
  void argmaxMatchesTheCpuIncludingTiesAndNaN() {
    Random r = new Random(22);
    long[][] shapes = {{7, 13}, {1, 1}, {5}, {2, 3, 4}, {1000, 3}};
    for (DType dt : FLOATS) {
      for (long[] shape : shapes) {
        int n = numel(shape);
        double[] x = uniform(r, n, -1, 1, false);
        // Round to a few levels so rows hold ties; the first maximum must win.
        for (int i = 0; i < n; i++) x[i] = Math.round(x[i] * 2) / 2.0;
        assertParity(dt, "argmax " + Arrays.toString(shape), () -> new double[][] {
          Arrays.stream(make(x, dt, shape).argmax().toLongArray()).asDoubleStream().toArray()
        });
      }
      double nan = Double.NaN;
      double[] special = {
        1, nan, 3, 0,                                                       // NaN counts as the maximum
        nan, 5, nan, 1,                                                     // the first NaN wins
        Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, -1e300, -1e300,  // ties of -inf
        2, 2, 2, 2,                                                         // all equal: index 0
      };
      assertParity(dt, "argmax special", () -> new double[][] {
        Arrays.stream(make(special, dt, 4, 4).argmax().toLongArray()).asDoubleStream().toArray()
      });
      for (Device d : cudaDevices()) {
        long[] got = on(d, () -> make(special, dt, 4, 4).argmax().toLongArray());
        assertArrayEquals(new long[] {1, 0, dt == DType.FLOAT32 ? 0 : 2, 0}, got, "argmax on " + d + " " + dt);
      }
    }
  }
}
