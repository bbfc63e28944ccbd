package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertSame;

import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.OnDevice;
import org.junit.jupiter.api.Test;

/** The {@link OnDevice} mechanism puts device-less factories on the class's device. */
@OnDevice("cuda-emu")
class OnDeviceTest {
  @Test
  void factoriesCreateTensorsOnTheAnnotatedDevice() {
    assertSame(Device.cudaEmulated(), Device.defaultDevice());
    try (Tensor t = Tensor.zeros(2, 3); Tensor u = Tensor.of(new float[] {1, 2})) {
      assertSame(Device.cudaEmulated(), t.device());
      assertSame(Device.cudaEmulated(), u.device());
    }
  }

  @Test
  void otherThreadsKeepTheCpu() throws InterruptedException {
    Device[] seen = new Device[1];
    Thread t = new Thread(() -> seen[0] = Device.defaultDevice());
    t.start();
    t.join();
    assertSame(Device.cpu(), seen[0]);
  }
}
