package org.jdnn.optim;

import org.jdnn.testing.OnDevice;

/** {@link OptimizerStepsTest} on the CUDA backend running on the CPU emulation of the GPU libraries. */
@OnDevice("cuda-emu")
class OptimizerStepsCudaEmuTest extends OptimizerStepsTest {}
