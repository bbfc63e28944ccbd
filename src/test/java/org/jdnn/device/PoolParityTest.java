package org.jdnn.device;

import org.jdnn.tensor.NativeCalls;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertDeviceDataError;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.NativeHandles;
import org.jdnn.tensor.Pool2dGeometry;
import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.ScopedTensors;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Max and average pooling on the emulated CUDA device against the CPU backend, forward and backward. */
@ExtendWith(ScopedTensors.class)
class PoolParityTest {
  // N, C, H, W, kh, kw, stride h, stride w, pad h, pad w: 1x1, the usual 2x2/2, overlapping stride 1 with padding,
  // non-square windows and strides, odd sizes, a window as large as the input.
  private static final int[][] CONFIGS = {
    {1, 1, 1, 1, 1, 1, 1, 1, 0, 0},
    {2, 3, 8, 8, 2, 2, 2, 2, 0, 0},
    {1, 2, 7, 9, 3, 3, 1, 1, 1, 1},
    {2, 1, 9, 7, 3, 2, 2, 1, 1, 1},
    {1, 3, 6, 5, 2, 3, 2, 2, 1, 0},
    {3, 2, 5, 11, 4, 4, 3, 2, 2, 2},
    {1, 1, 5, 5, 5, 5, 1, 1, 0, 0},
  };

  private static long[] outShape(int[] c) {
    return new long[] {c[0], c[1], (c[2] + 2L * c[8] - c[4]) / c[6] + 1, (c[3] + 2L * c[9] - c[5]) / c[7] + 1};
  }

  private static String name(DType dt, int[] c) {
    return dt + " " + java.util.Arrays.toString(c);
  }

  /** Few distinct values, so windows hold ties and the first-maximum rule decides the index. */
  private static double[] tiedValues(Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = r.nextInt(4) - 1.5;
    return v;
  }

  /** The window of config {@code c}: {kh, kw, sh, sw, ph, pw} at c[4..9]. */
  private static Pool2dGeometry window(int[] c) {
    return new Pool2dGeometry(c[4], c[5], c[6], c[7], c[8], c[9]);
  }

  private static double[][] maxPool(Device d, DType dt, double[] x, double[] dy, int[] c) {
    long[] xs = {c[0], c[1], c[2], c[3]};
    try (Tensor hx = make(x, dt, xs); Tensor hdy = make(dy, dt, outShape(c)); Tensor dx = hx.to(d).requiresGrad(true);
        Tensor ddy = hdy.to(d); Tensor y = PoolOps.maxPool2d(dx, window(c), "pool")) {
      y.backward(ddy);
      return new double[][] {values(y), values(dx.grad())};
    }
  }

  private static long[] maxIndices(Device d, DType dt, DType indexType, double[] x, int[] c) {
    long[] xs = {c[0], c[1], c[2], c[3]};
    try (Tensor hx = make(x, dt, xs); Tensor dx = hx.to(d); Tensor y = Tensor.empty(dt, d, outShape(c));
        Tensor idx = Tensor.empty(indexType, d, outShape(c))) {
      long[] p = window(c).packed();
      NativeCalls.check(JdnnNative.op_max_pool2d(NativeHandles.of(dx), NativeHandles.of(y), NativeHandles.of(idx), p, p.length));
      if (indexType == DType.INT64) return idx.toLongArray();
      int[] i32 = idx.toIntArray();
      long[] out = new long[i32.length];
      for (int i = 0; i < i32.length; i++) out[i] = i32[i];
      return out;
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void maxPoolForwardAndBackwardMatchCpuWithTies(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(21);
    for (DType dt : FLOATS) {
      for (int[] c : CONFIGS) {
        double[] x = tiedValues(r, c[0] * c[1] * c[2] * c[3]);
        double[] dy = uniform(r, numel(outShape(c)), -1, 1);
        double[][] cpu = maxPool(Device.cpu(), dt, x, dy, c);
        double[][] emu = maxPool(dev, dt, x, dy, c);
        assertAllClose(cpu[0], emu[0], 0, 0, name(dt, c) + " y");
        // Overlapping windows add several gradients into one input; the order may differ on a GPU.
        assertAllClose(cpu[1], emu[1], 1e-6, 1e-6, name(dt, c) + " dx");
        for (DType it : new DType[] {DType.INT32, DType.INT64}) {
          assertArrayEquals(maxIndices(Device.cpu(), dt, it, x, c), maxIndices(dev, dt, it, x, c),
              name(dt, c) + " " + it + " indices");
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void maxPoolPropagatesNanAndHandlesInfinities(TestDevice testDevice) {
    Device dev = testDevice.device();
    int[] c = {1, 1, 4, 4, 2, 2, 1, 1, 1, 1};
    double inf = Double.POSITIVE_INFINITY;
    double[] x = {1, Double.NaN, 2, -inf, -inf, -inf, 3, Double.NaN, inf, 0, -1, -inf, -inf, -inf, -inf, -inf};
    for (DType dt : FLOATS) {
      double[] y = maxPool(dev, dt, x, new double[numel(outShape(c))], c)[0];
      double[] expected = maxPool(Device.cpu(), dt, x, new double[numel(outShape(c))], c)[0];
      assertArrayEquals(expected, y, dt + " values");
      assertTrue(Double.isNaN(y[1]), "NaN must win its window: " + java.util.Arrays.toString(y));
      assertArrayEquals(maxIndices(Device.cpu(), dt, DType.INT64, x, c), maxIndices(dev, dt, DType.INT64, x, c),
          dt + " indices");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void maxPoolBackwardRejectsAnIndexOutsideThePlane(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (Tensor dy = Tensor.ones(1, 1, 1, 2).to(dev); Tensor idx = Tensor.ofInts(new int[] {0, 9}, 1, 1, 1, 2).to(dev);
        Tensor dx = Tensor.empty(DType.FLOAT32, dev, 1, 1, 2, 2)) {
      assertDeviceDataError(dev, () -> NativeCalls.check(JdnnNative.op_max_pool2d_backward(NativeHandles.of(dy),
          NativeHandles.of(idx), NativeHandles.of(dx))), "max_pool2d_backward", "9", "outside");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void maxPoolBackwardNamesTheFirstIndexOutsideThePlane(TestDevice testDevice) {
    Device dev = testDevice.device();
    // Threads meet the bad indices in any order on a GPU; the message names the first, as the CPU's does.
    try (Tensor dy = Tensor.ones(1, 1, 2, 2).to(dev); Tensor idx = Tensor.ofInts(new int[] {0, 9, 7, 5}, 1, 1, 2, 2).to(dev);
        Tensor dx = Tensor.empty(DType.FLOAT32, dev, 1, 1, 2, 2)) {
      assertDeviceDataError(dev, () -> NativeCalls.check(JdnnNative.op_max_pool2d_backward(NativeHandles.of(dy),
          NativeHandles.of(idx), NativeHandles.of(dx))), "max_pool2d_backward", "index 9 at output 1", "outside");
    }
  }

  private static double[][] avgPool(Device d, DType dt, double[] x, double[] dy, int[] c, boolean includePad) {
    long[] xs = {c[0], c[1], c[2], c[3]};
    try (Tensor hx = make(x, dt, xs); Tensor hdy = make(dy, dt, outShape(c)); Tensor dx = hx.to(d).requiresGrad(true);
        Tensor ddy = hdy.to(d);
        Tensor y = PoolOps.avgPool2d(dx, window(c), includePad, "pool")) {
      y.backward(ddy);
      return new double[][] {values(y), values(dx.grad())};
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void avgPoolForwardAndBackwardMatchCpuBothPaddingModes(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(22);
    for (DType dt : FLOATS) {
      double tol = dt == DType.FLOAT32 ? 1e-6 : 1e-14;
      for (int[] c : CONFIGS) {
        double[] x = uniform(r, c[0] * c[1] * c[2] * c[3], -2, 2);
        double[] dy = uniform(r, numel(outShape(c)), -1, 1);
        for (boolean includePad : new boolean[] {false, true}) {
          double[][] cpu = avgPool(Device.cpu(), dt, x, dy, c, includePad);
          double[][] emu = avgPool(dev, dt, x, dy, c, includePad);
          String what = name(dt, c) + " count_include_pad=" + includePad;
          assertAllClose(cpu[0], emu[0], tol, tol, what + " y");
          assertAllClose(cpu[1], emu[1], tol, tol, what + " dx");
        }
      }
    }
  }
}
