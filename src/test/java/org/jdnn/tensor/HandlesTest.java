package org.jdnn.tensor;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * Tensor handles and pins below the Java API: native/test/handles_test.cpp closes a tensor while an
 * op has it pinned (the free waits for the op), uses closed and stale handles (refused as closed,
 * also after the slot was reused) and races close against ops from two threads. The pinned-close
 * case cannot be staged deterministically from Java, hence a native program; CloseRaceTest covers
 * the same guarantee through the Java API.
 */
class HandlesTest {
  @Test
  void closedTensorsAreFreedOnlyAfterTheOpsUsingThem() throws Exception {
    NativeChecks.assertPasses(NativeChecks.coreProgram("jdnn_handles_test"), 120);
  }
}
