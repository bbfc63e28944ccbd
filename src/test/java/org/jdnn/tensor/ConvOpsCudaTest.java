package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link ConvOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class ConvOpsCudaTest extends ConvOpsTest {}
