package org.jdnn.optim;

import org.jdnn.testing.OnDevice;

/** {@link AdaptiveOptimizerStepsTest} on the CUDA backend running on the CPU emulation of the GPU libraries. */
@OnDevice("cuda-emu")
class AdaptiveOptimizerStepsCudaEmuTest extends AdaptiveOptimizerStepsTest {}
