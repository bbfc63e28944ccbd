package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link AutogradTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class AutogradCudaTest extends AutogradTest {}
