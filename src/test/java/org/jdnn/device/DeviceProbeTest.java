package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertSame;

import org.jdnn.nn.BatchNorm1d;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Written like the op tests (device-less factories); {@link DeviceProbeCudaEmuTest} reruns it on the
 * emulated device, which checks that a subclass's {@link org.jdnn.testing.OnDevice} takes effect.
 */
class DeviceProbeTest {
  Device expected() {
    return Device.cpu();
  }

  @Test
  void factoriesAndLayersUseTheClassDevice() {
    assertSame(expected(), Device.defaultDevice());
    try (Tensor t = Tensor.of(new float[] {1, 2}); Tensor s = Tensor.scalar(3); BatchNorm1d bn = new BatchNorm1d(2)) {
      assertSame(expected(), t.device());
      assertSame(expected(), s.device());
      assertSame(expected(), bn.device());
    }
  }
}
