package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.assertDeviceDataError;
import static org.jdnn.testing.OpTestSupport.assertNativeError;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.ScopedTensors;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gather_rows (MemoryOps.gatherRows, the data loaders' batching) against the CPU backend: every dtype,
 * both index types, rows whose byte length takes the word path or the byte path, and the error that
 * names the first out-of-range index however many there are.
 */
@ExtendWith(ScopedTensors.class)
class GatherRowsParityTest {

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void gathersTheRowsTheCpuGathers(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(5);
    // rows x row length: a batch of 1, odd row lengths (byte rows take the byte path), an empty index
    int[][] shapes = {{7, 3}, {1, 1}, {5, 1}, {9, 13}, {4, 0}};
    for (int[] s : shapes) {
      int rows = s[0], len = s[1];
      double[] d = new double[rows * len];
      byte[] b = new byte[rows * len];
      for (int i = 0; i < d.length; i++) {
        d[i] = r.nextGaussian();
        b[i] = (byte) r.nextInt(256);
      }
      int picks = s == shapes[1] ? 1 : 11;
      int[] idx = new int[picks];
      long[] lidx = new long[picks];
      for (int i = 0; i < picks; i++) lidx[i] = idx[i] = r.nextInt(rows);
      try (Tensor f64 = Tensor.of(d, rows, len); Tensor f32 = f64.to(DType.FLOAT32);
          Tensor u8 = Tensor.ofBytes(b, rows, len); Tensor i32 = Tensor.ofInts(idx, picks);
          Tensor i64 = Tensor.ofLongs(lidx, picks)) {
        for (Tensor src : new Tensor[] {f64, f32, u8}) {
          for (Tensor index : new Tensor[] {i32, i64}) {
            String what = src.describe() + " by " + index.describe();
            try (Tensor cpu = MemoryOps.gatherRows(src, index); Tensor ds = src.to(dev); Tensor di = index.to(dev);
                Tensor out = MemoryOps.gatherRows(ds, di); Tensor back = out.to(Device.cpu())) {
              if (src.dtype() == DType.UINT8) assertArrayEquals(cpu.toByteArray(), back.toByteArray(), what);
              else assertArrayEquals(values(cpu), values(back), 0.0, what);
            }
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void namesTheFirstIndexOutsideTheRows(TestDevice testDevice) {
    Device dev = testDevice.device();
    // Several threads meet bad rows; the message must be the CPU's, naming the first. Rows of no
    // elements still have their index checked.
    String expected = "gather_rows: index 7 at position 2 is outside [0, 3)";
    for (int len : new int[] {2, 3, 0}) {
      try (Tensor host = Tensor.of(new double[3 * len], 3, len); Tensor src = host.to(dev);
          Tensor hostIndex = Tensor.ofInts(new int[] {0, 2, 7, 1, -1, 9}, 6); Tensor index = hostIndex.to(dev)) {
        assertNativeError(() -> MemoryOps.gatherRows(host, hostIndex).close(), expected);
        assertDeviceDataError(dev, () -> MemoryOps.gatherRows(src, index).close(), expected);
      }
    }
  }

  /** The pair (a batch's features and targets in one launch) gives what two single gathers give. */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void gathersAPairAsTwoSingleGathers(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(9);
    int rows = 9;
    float[] features = new float[rows * 5];
    byte[] bytes = new byte[rows * 3];
    int[] labels = new int[rows];
    for (int i = 0; i < features.length; i++) features[i] = (float) r.nextGaussian();
    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) r.nextInt(256);
    for (int i = 0; i < rows; i++) labels[i] = r.nextInt(10);
    int[] idx = {3, 0, 8, 8, 1, 5, 2};
    try (Tensor f = Tensor.of(features, rows, 5); Tensor u8 = Tensor.ofBytes(bytes, rows, 3);
        Tensor l = Tensor.ofInts(labels, rows); Tensor i32 = Tensor.ofInts(idx, idx.length);
        Tensor i64 = i32.to(DType.INT64)) {
      // float rows with int labels take the word path; float rows with 3-byte rows the byte path
      for (Tensor[] pair : new Tensor[][] {{f, l}, {f, u8}, {l, f}}) {
        for (Tensor index : new Tensor[] {i32, i64}) {
          String what = pair[0].describe() + " and " + pair[1].describe() + " by " + index.describe();
          try (Tensor a = MemoryOps.gatherRows(pair[0], index); Tensor b = MemoryOps.gatherRows(pair[1], index);
              Tensor da = pair[0].to(dev); Tensor db = pair[1].to(dev); Tensor di = index.to(dev)) {
            Tensor[] cpu = MemoryOps.gatherRows(pair[0], pair[1], index);
            Tensor[] out = MemoryOps.gatherRows(da, db, di);
            for (int k = 0; k < 2; k++) {
              Tensor single = k == 0 ? a : b;
              try (Tensor c = cpu[k]; Tensor o = out[k]; Tensor back = o.to(Device.cpu())) {
                assertArrayEquals(single.shape(), back.shape(), what);
                assertArrayEquals(single.to(DType.FLOAT64).toDoubleArray(), c.to(DType.FLOAT64).toDoubleArray(), 0.0, what);
                assertArrayEquals(single.to(DType.FLOAT64).toDoubleArray(), back.to(DType.FLOAT64).toDoubleArray(), 0.0, what);
              }
            }
          }
        }
      }
      try (Tensor few = Tensor.ofInts(new int[] {1, 2}, 2)) {
        assertNativeError(() -> MemoryOps.gatherRows(f, few, i32), "as many rows");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aPairNamesTheFirstIndexOutsideTheRows(TestDevice testDevice) {
    Device dev = testDevice.device();
    String expected = "gather_rows: index 7 at position 2 is outside [0, 3)";
    try (Tensor hostA = Tensor.of(new double[3 * 2], 3, 2); Tensor hostB = Tensor.ofInts(new int[3], 3);
        Tensor a = hostA.to(dev); Tensor b = hostB.to(dev);
        Tensor hostIndex = Tensor.ofInts(new int[] {0, 2, 7, 1, -1, 9}, 6); Tensor index = hostIndex.to(dev)) {
      assertNativeError(() -> MemoryOps.gatherRows(hostA, hostB, hostIndex), expected);
      assertDeviceDataError(dev, () -> {
        for (Tensor t : MemoryOps.gatherRows(a, b, index)) t.close();
      }, expected);
    }
  }
}
