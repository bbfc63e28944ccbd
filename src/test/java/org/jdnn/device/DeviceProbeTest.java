package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.EveryDevice;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Written like the op tests (device-less factories); {@link EveryDevice} runs it on each device, which
 * checks that the class template takes effect: the default device is the run's, before @BeforeEach
 * methods too, and every usable device gets its run.
 */
@EveryDevice
class DeviceProbeTest {
  private static final List<TestDevice> RUNS = new ArrayList<>();
  private Device seenBeforeEach;

  @BeforeEach
  void recordTheDefaultDevice() {
    seenBeforeEach = Device.defaultDevice();
  }

  @Test
  void factoriesAndLayersUseTheClassDevice(TestDevice run, Device expected) {
    assertEquals(run.label, expected.toString());
    assertSame(expected, seenBeforeEach, "the device is set before @BeforeEach methods");
    assertSame(expected, Device.defaultDevice());
    try (Tensor t = Tensor.of(new float[] {1, 2}); Tensor s = Tensor.scalar(3); BatchNorm1d bn = new BatchNorm1d(2)) {
      assertSame(expected, t.device());
      assertSame(expected, s.device());
      assertSame(expected, bn.device());
    }
    RUNS.add(run);
  }

  @AfterAll
  static void theDevicesRunOneAfterAnotherInOrder() {
    // runs after each device's run: the runs so far are cpu, then cuda-emu, then cuda (where usable)
    assertEquals(Arrays.asList(TestDevice.values()).subList(0, RUNS.size()), RUNS);
  }
}
