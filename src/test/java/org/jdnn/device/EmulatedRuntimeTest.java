package org.jdnn.device;

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
}
