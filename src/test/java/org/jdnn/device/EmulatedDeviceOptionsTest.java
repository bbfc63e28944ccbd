package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Device-level switches and counters of the CUDA backend, exercised through its emulation. */
class EmulatedDeviceOptionsTest {
  private static final Device EMU = Device.cudaEmulated();

  @Test
  void tf32SwitchIsReportedByDescribe() {
    try {
      EMU.setTf32(true);
      assertTrue(EMU.describe().contains("TF32 on"), EMU.describe());
      EMU.setTf32(false);
      assertFalse(EMU.describe().contains("TF32 on"), EMU.describe());
    } finally {
      EMU.setTf32(false);
    }
    assertThrows(UnsupportedOperationException.class, () -> Device.cpu().setTf32(true));
  }

  @Test
  void cachingAllocatorReusesFreedBlocks() {
    try (Tensor warm = Tensor.empty(DType.FLOAT32, EMU, 1000)) {
      warm.toFloatArray();
    }
    long before = EMU.deviceMallocs();
    for (int i = 0; i < 5; i++) {
      try (Tensor host = Tensor.full(i, DType.FLOAT32, 1); Tensor t = host.to(EMU);
          Tensor u = Tensor.empty(DType.FLOAT32, EMU, 1000)) {
        assertArrayEquals(new float[] {i}, t.toFloatArray());
        assertEquals(1000, u.numel());
      }
    }
    assertEquals(before, EMU.deviceMallocs(), "same-sized tensors reuse cached blocks");
    assertTrue(EMU.bytesCached() > 0);
  }

  @Test
  void profilingCountsOps() {
    try {
      EMU.setProfiling(true);
      assertEquals(0, EMU.profiledOps());
      try (Tensor host = Tensor.full(2, DType.FLOAT32, 3); Tensor t = host.to(EMU); Tensor d = t.to(DType.FLOAT64)) {
        assertArrayEquals(new double[] {2, 2, 2}, d.toDoubleArray());
      }
      assertTrue(EMU.profiledOps() > 0, "ops timed: " + EMU.profiledOps());
      assertTrue(EMU.profiledKernelMillis() >= 0);
    } finally {
      EMU.setProfiling(false);
    }
  }
}
