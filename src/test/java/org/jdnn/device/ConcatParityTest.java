package org.jdnn.device;

import static org.jdnn.device.ElementwiseParityTest.assertParity;
import static org.jdnn.device.ElementwiseParityTest.cudaDevices;
import static org.jdnn.device.ElementwiseParityTest.on;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.tensor.ConcatOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** narrow and narrow_assign (through concat and narrow, forward and backward) against the CPU backend. */
class ConcatParityTest {
  static final long[] SHAPE = {3, 5, 2, 7};

  @Test
  void narrowAlongEveryDimensionMatchesTheCpu() {
    Random r = new Random(31);
    for (DType dt : FLOATS) {
      double[] x = uniform(r, numel(SHAPE), -1, 1, false);
      for (int dim = 0; dim < SHAPE.length; dim++) {
        long size = SHAPE[dim];
        // Leading, inner and trailing slices, the whole dim and an empty slice.
        long[][] slices = {{0, 1}, {1, size - 1}, {size - 1, 1}, {0, size}, {size / 2, 0}};
        for (long[] sl : slices) {
          int d = dim;
          long[] part = SHAPE.clone();
          part[d] = sl[1];
          double[] g = uniform(r, numel(part), -1, 1, false);
          assertParity(dt, "narrow dim " + d + " " + Arrays.toString(sl), () -> {
            Tensor xt = make(x, dt, SHAPE).requiresGrad(true);
            Tensor y = NarrowOps.narrow(xt, d, sl[0], sl[1]);
            y.backward(make(g, dt, part));
            return new double[][] {values(y), values(xt.grad())};
          });
        }
      }
    }
  }

  @Test
  void concatAlongEveryDimensionMatchesTheCpu() {
    Random r = new Random(32);
    for (DType dt : FLOATS) {
      for (int dim = 0; dim < SHAPE.length; dim++) {
        int d = dim;
        long[] sa = SHAPE.clone(), sb = SHAPE.clone(), sc = SHAPE.clone();
        sb[d] = 1;
        sc[d] = 3;
        double[] a = uniform(r, numel(sa), -1, 1, false);
        double[] b = uniform(r, numel(sb), -1, 1, false);
        double[] c = uniform(r, numel(sc), -1, 1, false);
        long[] so = SHAPE.clone();
        so[d] = sa[d] + sb[d] + sc[d];
        double[] g = uniform(r, numel(so), -1, 1, false);
        assertParity(dt, "concat dim " + d, () -> {
          Tensor at = make(a, dt, sa).requiresGrad(true);
          Tensor bt = make(b, dt, sb).requiresGrad(true);
          Tensor ct = make(c, dt, sc).requiresGrad(true);
          Tensor out = ConcatOps.concat(d, "concat", at, bt, ct);
          out.backward(make(g, dt, so));
          return new double[][] {values(out), values(at.grad()), values(bt.grad()), values(ct.grad())};
        });
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"3,5,3", "3,4,2", "2,6,4"})
  void integerTensorsOfEveryWidthAreSlicedByteExact(String dims) {
    // Odd sizes make runs that only single bytes divide; even ones let 2-, 4- and 8-byte words move them.
    long[] shape = Arrays.stream(dims.split(",")).mapToLong(Long::parseLong).toArray();
    int n = numel(shape);
    int[] ints = new int[n];
    long[] longs = new long[n];
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      ints[i] = i * 7919 - 100000;
      longs[i] = (long) i * 0x1_0000_0001L - 5;
      bytes[i] = (byte) (i * 37);
    }
    for (int dim = 0; dim < shape.length; dim++) {
      int d = dim;
      long start = 1, length = shape[d] - 1;
      int[] ci = on(Device.cpu(), () -> NarrowOps.narrow(Tensor.ofInts(ints, shape), d, start, length).toIntArray());
      long[] cl = on(Device.cpu(), () -> NarrowOps.narrow(Tensor.ofLongs(longs, shape), d, start, length).toLongArray());
      byte[] cb = on(Device.cpu(), () -> NarrowOps.narrow(Tensor.ofBytes(bytes, shape), d, start, length).toByteArray());
      byte[] cc = on(Device.cpu(), () -> ConcatOps.concat(d, "concat", Tensor.ofBytes(bytes, shape),
          Tensor.ofBytes(bytes, shape)).toByteArray());
      for (Device dev : cudaDevices()) {
        String what = "dim " + d + " on " + dev;
        assertArrayEquals(ci, on(dev, () -> NarrowOps.narrow(Tensor.ofInts(ints, shape), d, start, length)
            .toIntArray()), "int32 " + what);
        assertArrayEquals(cl, on(dev, () -> NarrowOps.narrow(Tensor.ofLongs(longs, shape), d, start, length)
            .toLongArray()), "int64 " + what);
        assertArrayEquals(cb, on(dev, () -> NarrowOps.narrow(Tensor.ofBytes(bytes, shape), d, start, length)
            .toByteArray()), "uint8 " + what);
        assertArrayEquals(cc, on(dev, () -> ConcatOps.concat(d, "concat", Tensor.ofBytes(bytes, shape),
            Tensor.ofBytes(bytes, shape)).toByteArray()), "uint8 concat " + what);
      }
    }
  }

  @Test
  void batchOfOneAndLargeSlicesMatch() {
    Random r = new Random(33);
    long[] shape = {1, 300, 1001};
    double[] x = uniform(r, numel(shape), -1, 1, false);
    for (DType dt : FLOATS) {
      assertParity(dt, "large narrow", () -> new double[][] {
        values(NarrowOps.narrow(make(x, dt, shape), 1, 17, 250)),
        values(NarrowOps.narrow(make(x, dt, shape), 2, 3, 997)),
      });
    }
  }
}
