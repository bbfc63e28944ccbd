package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link DropoutOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class DropoutOpsCudaTest extends DropoutOpsTest {}
