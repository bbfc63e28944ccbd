package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DropoutOps;
import org.jdnn.tensor.RandomOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Counter-based randomness on the CUDA backend (cuda-emu, and the GPU where usable): dropout masks
 * and uniform/normal fills must be bit for bit the CPU's for the same (seed, offset), since both
 * evaluate the same Philox stream with the same float operations.
 */
class DropoutRandomParityTest {
  private static final Device CPU = Device.cpu();
  private static final long[] SEEDS = {0, 42, 0x1234_5678_9abcL, -1L};
  private static final long[] OFFSETS = {0, 5, 1L << 33};

  /** Dropout's output and input gradient for input x and upstream gradient dy. */
  private static double[][] dropout(Device dev, double[] x, double[] dy, DType dt, double p, boolean perChannel,
      long seed, long offset, long... shape) {
    try (TensorScope scope = new TensorScope()) {
      Tensor xs = make(x, dt, shape).to(dev).requiresGrad(true);
      Tensor y = DropoutOps.dropout(xs, p, perChannel, seed, offset, "Dropout");
      assertEquals(dev, y.device());
      y.backward(make(dy, dt, shape).to(dev));
      return new double[][] {values(y), values(xs.grad())};
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void dropoutMatchesCpuExactly(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(3);
    long[][] shapes = {{1}, {7}, {4, 33}, {5000}};
    for (DType dt : FLOATS) {
      for (long[] shape : shapes) {
        int n = numel(shape);
        for (double p : new double[] {0.1, 0.5, 0.9}) {
          for (long seed : SEEDS) {
            for (long offset : OFFSETS) {
              double[] x = uniform(r, n, 0.5, 1.5);
              double[] dy = uniform(r, n, -1, 1);
              String what = dt + " n=" + n + " p=" + p + " seed=" + seed + " offset=" + offset;
              double[][] cpu = dropout(CPU, x, dy, dt, p, false, seed, offset, shape);
              double[][] got = dropout(dev, x, dy, dt, p, false, seed, offset, shape);
              assertArrayEquals(cpu[0], got[0], 0.0, what + " forward");
              assertArrayEquals(cpu[1], got[1], 0.0, what + " backward");
            }
          }
        }
      }
      // Large enough that some mask values are dropped and some kept, so equality means something.
      double[][] big = dropout(dev, uniform(r, 5000, 0.5, 1.5), uniform(r, 5000, -1, 1), dt, 0.5, false, 9, 0, 5000);
      assertTrue(Arrays.stream(big[0]).anyMatch(v -> v == 0) && Arrays.stream(big[0]).anyMatch(v -> v > 0));
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void perChannelDropoutMatchesCpuExactly(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(4);
    long[][] shapes = {{1, 1, 3}, {3, 4, 5, 5}, {2, 7, 1, 9}};
    for (DType dt : FLOATS) {
      for (long[] shape : shapes) {
        int n = numel(shape);
        for (long seed : SEEDS) {
          double[] x = uniform(r, n, 0.5, 1.5);
          double[] dy = uniform(r, n, -1, 1);
          double[][] cpu = dropout(CPU, x, dy, dt, 0.4, true, seed, 17, shape);
          double[][] got = dropout(dev, x, dy, dt, 0.4, true, seed, 17, shape);
          String what = dt + " " + Arrays.toString(shape) + " seed=" + seed;
          assertArrayEquals(cpu[0], got[0], 0.0, what + " forward");
          assertArrayEquals(cpu[1], got[1], 0.0, what + " backward");
        }
      }
    }
  }

  private static double[] fill(Device dev, DType dt, boolean normal, double a, double b, long seed, long offset,
      int n) {
    try (TensorScope scope = new TensorScope()) {
      Tensor t = Tensor.empty(dt, dev, n);
      if (normal) RandomOps.normal(t, a, b, seed, offset);
      else RandomOps.uniform(t, a, b, seed, offset);
      return values(t);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void uniformAndNormalStreamsMatchCpuExactly(TestDevice testDevice) {
    Device dev = testDevice.device();
    int[] sizes = {1, 7, 1000, 4099};
    double[][] ranges = {{0, 1}, {-2.5, 3}, {1e-3, 2e-3}};
    for (DType dt : FLOATS) {
      for (int n : sizes) {
        for (long seed : SEEDS) {
          for (long offset : OFFSETS) {
            String what = dt + " n=" + n + " seed=" + seed + " offset=" + offset;
            for (double[] range : ranges) {
              double[] cpu = fill(CPU, dt, false, range[0], range[1], seed, offset, n);
              double[] got = fill(dev, dt, false, range[0], range[1], seed, offset, n);
              assertArrayEquals(cpu, got, 0.0, what + " uniform " + Arrays.toString(range));
              for (double v : got) assertTrue(v >= range[0] && v < range[1], what + ": " + v + " out of range");
            }
            double[] cpu = fill(CPU, dt, true, 1.5, 2, seed, offset, n);
            double[] got = fill(dev, dt, true, 1.5, 2, seed, offset, n);
            assertArrayEquals(cpu, got, 0.0, what + " normal");
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void streamIsAFunctionOfOffsetPlusIndexBeyondOneGrid(TestDevice testDevice) {
    Device dev = testDevice.device();
    // More elements than one launch has threads (4096 blocks of 256), so the grid-stride loop runs twice.
    int n = 1_100_000, shift = 1000;
    double[] whole = fill(dev, DType.FLOAT32, false, 0, 1, 77, 0, n);
    double[] tail = fill(dev, DType.FLOAT32, false, 0, 1, 77, shift, n - shift);
    assertArrayEquals(Arrays.copyOfRange(whole, shift, n), tail, 0.0);
    assertArrayEquals(fill(CPU, DType.FLOAT32, false, 0, 1, 77, 0, n), whole, 0.0);
    double mean = Arrays.stream(whole).average().orElseThrow();
    assertEquals(0.5, mean, 0.002, "uniform mean");
    double[] normal = fill(dev, DType.FLOAT64, true, 0, 1, 78, 0, n);
    double m = Arrays.stream(normal).average().orElseThrow();
    double var = Arrays.stream(normal).map(v -> (v - m) * (v - m)).sum() / n;
    assertEquals(0, m, 0.005, "normal mean");
    assertEquals(1, var, 0.01, "normal variance");
    assertFalse(Arrays.equals(whole, fill(dev, DType.FLOAT32, false, 0, 1, 78, 0, n)), "another seed, another stream");
  }
}
