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
}
