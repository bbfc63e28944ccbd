package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link ElementwiseOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class ElementwiseOpsCudaTest extends ElementwiseOpsTest {}
