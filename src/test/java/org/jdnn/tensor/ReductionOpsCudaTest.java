package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link ReductionOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class ReductionOpsCudaTest extends ReductionOpsTest {}
