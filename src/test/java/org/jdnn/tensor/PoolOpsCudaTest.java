package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link PoolOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class PoolOpsCudaTest extends PoolOpsTest {}
