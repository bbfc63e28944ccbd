package org.jdnn.loss;

import org.jdnn.testing.OnDevice;

/** {@link LossNumericsTest} on the CUDA backend running on the CPU emulation of the GPU libraries. */
@OnDevice("cuda-emu")
class LossNumericsCudaEmuTest extends LossNumericsTest {}
