package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceUnavailableException;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Loading the device backends: the emulation always, the GPU only where one is usable. */
class DeviceLoadingTest {
  @Test
  void emulatedCudaLoadsAndNamesItself() {
    Device emu = Device.cudaEmulated();
    assertSame(emu, Device.cudaEmulated());
    assertEquals("cuda-emu", emu.toString());
    assertTrue(emu.isCuda());
    assertTrue(emu.describe().contains("emulat"), emu.describe());
  }

  @Test
  void missingGpuGivesAnExplanationAndTheCpuKeepsWorking() {
    assumeFalse(Device.cudaAvailable(), "a usable GPU is present, so there is no failure to check");
    DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, Device::cuda);
    assertTrue(e.getMessage().length() > 20, e.getMessage());
    // Asking again gives the same answer without probing again, and nothing else broke.
    assertEquals(e.getMessage(), assertThrows(DeviceUnavailableException.class, Device::cuda).getMessage());
    assertSame(Device.cpu(), Device.best());
    try (Tensor t = Tensor.ones(3)) {
      assertEquals(3.0f, t.toFloatArray()[0] + t.toFloatArray()[1] + t.toFloatArray()[2]);
    }
  }

  @Test
  void tensorsRoundTripThroughTheEmulatedDevice() {
    Device emu = Device.cudaEmulated();
    try (Tensor cpu = Tensor.of(new float[] {1, -2, 3.5f, 4}, 2, 2);
        Tensor dev = cpu.to(emu);
        Tensor back = dev.to(Device.cpu());
        Tensor sevens = Tensor.full(7, org.jdnn.tensor.DType.FLOAT64, 3);
        Tensor filled = sevens.to(emu);
        Tensor ints = dev.to(org.jdnn.tensor.DType.INT32)) {
      assertEquals(emu, dev.device());
      assertEquals(Device.cpu(), back.device());
      org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, -2, 3.5f, 4}, back.toFloatArray());
      org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, -2, 3.5f, 4}, dev.toFloatArray());
      org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {7, 7, 7}, filled.toDoubleArray());
      assertEquals(emu, ints.device());
      org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, -2, 3, 4}, ints.toIntArray());
    }
  }

  /** One device per process: ordinal 0 here (no LOCAL_RANK); another ordinal is refused, naming the one in use. */
  @Test
  void theEmulatedBackendBindsOneDeviceForTheProcess() {
    assumeTrue(System.getenv("LOCAL_RANK") == null, "LOCAL_RANK is set: this JVM's device is that rank's");
    Device emu = Device.cudaEmulated();
    assertEquals(0, emu.ordinal());
    assertEquals(0, Device.cpu().ordinal());
    assertSame(emu, Device.cudaEmulated(0));
    assertSame(emu, Device.byName("cuda-emu:0"));
    assertTrue(emu.describe().startsWith("GPU 0 of "), emu.describe());
    DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> Device.cudaEmulated(1));
    assertTrue(e.getMessage().startsWith("Device.cudaEmulated(1): this process uses GPU 0 (cuda-emu)"), e.getMessage());
    assertTrue(e.getMessage().contains("scripts/jdnn-run"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Device.cudaEmulated(-1));
    assertThrows(IllegalArgumentException.class, () -> Device.byName("cuda-emu:x"));
  }

  @Test
  void unknownDeviceNameIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.byName("tpu"));
    assertTrue(e.getMessage().contains("tpu"), e.getMessage());
    assertFalse(Device.cpu().isCuda());
  }
}
