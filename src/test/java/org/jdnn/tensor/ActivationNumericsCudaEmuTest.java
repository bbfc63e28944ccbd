package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link ActivationNumericsTest} on the CUDA backend running on the CPU emulation of the GPU libraries. */
@OnDevice("cuda-emu")
class ActivationNumericsCudaEmuTest extends ActivationNumericsTest {}
