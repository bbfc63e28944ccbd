package org.jdnn.optim;

import org.jdnn.testing.OnDevice;

/** {@link OptimizerStepsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class OptimizerStepsCudaTest extends OptimizerStepsTest {}
