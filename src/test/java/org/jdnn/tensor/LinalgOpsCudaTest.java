package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link LinalgOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class LinalgOpsCudaTest extends LinalgOpsTest {}
