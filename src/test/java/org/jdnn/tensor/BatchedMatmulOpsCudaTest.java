package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link BatchedMatmulOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class BatchedMatmulOpsCudaTest extends BatchedMatmulOpsTest {}
