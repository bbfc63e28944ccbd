package org.jdnn.loss;

import org.jdnn.testing.OnDevice;

/** {@link LossFunctionsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class LossFunctionsCudaTest extends LossFunctionsTest {}
