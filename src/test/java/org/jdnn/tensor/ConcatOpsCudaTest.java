package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link ConcatOpsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class ConcatOpsCudaTest extends ConcatOpsTest {}
