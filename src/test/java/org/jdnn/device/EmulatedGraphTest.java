package org.jdnn.device;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * Stream capture and graph replay in the strict CUDA runtime emulation: native/test/emu_graph_test.cpp checks the
 * documented semantics (captured work is recorded, not run; a replay re-runs it in order with the arguments of the
 * capture and reads pinned host memory when it runs) and plants the defects the emulation must catch: a stream or
 * device synchronization, cudaMalloc or cudaFree, a wait on a captured event, a pageable copy during a capture
 * (each fails and invalidates the capture), the legacy stream used while a blocking stream captures, and a graph
 * replayed after an allocation it was captured with was freed (reported at the next synchronization).
 */
class EmulatedGraphTest {
  @Test
  void captureAndReplayFollowTheDocumentedSemanticsAndCatchPlantedDefects() throws Exception {
    NativeChecks.assertPasses(NativeChecks.program("jdnn_emu_graph_test"), 60);
  }
}
