package org.jdnn.optim;

import org.jdnn.testing.OnDevice;

/** {@link AdaptiveOptimizerStepsTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class AdaptiveOptimizerStepsCudaTest extends AdaptiveOptimizerStepsTest {}
