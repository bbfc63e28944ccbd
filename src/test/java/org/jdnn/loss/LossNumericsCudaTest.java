package org.jdnn.loss;

import org.jdnn.testing.OnDevice;

/** {@link LossNumericsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class LossNumericsCudaTest extends LossNumericsTest {}
