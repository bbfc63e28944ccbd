package org.jdnn.device;

import org.jdnn.tensor.Device;
import org.jdnn.testing.OnDevice;

/** {@link DeviceProbeTest} on the emulated CUDA device. */
@OnDevice("cuda-emu")
class DeviceProbeCudaEmuTest extends DeviceProbeTest {
  @Override
  Device expected() {
    return Device.cudaEmulated();
  }
}
