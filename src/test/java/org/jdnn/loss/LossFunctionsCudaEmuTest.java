package org.jdnn.loss;

import org.jdnn.testing.OnDevice;

/** {@link LossFunctionsTest} on the CUDA backend running on the CPU emulation of the GPU libraries. */
@OnDevice("cuda-emu")
class LossFunctionsCudaEmuTest extends LossFunctionsTest {}
