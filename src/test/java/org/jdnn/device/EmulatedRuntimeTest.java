package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The strict CUDA runtime emulation against its planted defects: native/test/emu_runtime_test.cpp plants each
 * defect the emulation exists to catch (a host read without a synchronization, a freed block used through the
 * allocator's cache, a write past an allocation, a host pointer given to a kernel, fresh memory read before any
 * write) and checks that it is caught, and checks the stream semantics it models (cudaEventQuery while work is
 * queued, pinned versus pageable copies, stream waits, the legacy stream and non-blocking streams). The defects
 * cannot be planted through the Java API, which is why this is a native program.
 */
class EmulatedRuntimeTest {
  @Test
  void strictEmulationCatchesEveryPlantedDefect() throws Exception {
    NativeChecks.assertPasses(NativeChecks.program("jdnn_emu_runtime_test"), 60);
  }

  /**
   * With two emulated devices (JDNN_EMU_MODES devices=2): a second host thread that never called cudaSetDevice
   * launches on the bound device's stream (cudaErrorInvalidResourceHandle), allocates on device 0 and copies there
   * (cudaErrorIllegalAddress), and records its device-0 event on that stream; device 1's memory given to device
   * 0's kernels, memsets and copies fails as an illegal address; the calls the CUDA Programming Guide allows across
   * devices (copies on another device's stream, event waits and synchronizations) work.
   */
  @Test
  void twoDevicesCatchAThreadOnTheWrongDeviceAndForeignMemory() throws Exception {
    String out = NativeChecks.assertPasses(NativeChecks.program("jdnn_emu_runtime_test"), 60,
        Map.of("JDNN_EMU_MODES", "devices=2"));
    assertTrue(out.contains("devices: 2, a thread on the wrong device and another device's memory caught"), out);
  }
}
