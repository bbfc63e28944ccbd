package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link ActivationOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class ActivationOpsCudaTest extends ActivationOpsTest {}
