package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link ActivationNumericsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class ActivationNumericsCudaTest extends ActivationNumericsTest {}
