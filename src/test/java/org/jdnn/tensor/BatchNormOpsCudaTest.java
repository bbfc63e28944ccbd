package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link BatchNormOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class BatchNormOpsCudaTest extends BatchNormOpsTest {}
