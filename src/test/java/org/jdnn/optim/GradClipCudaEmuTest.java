package org.jdnn.optim;

import org.jdnn.testing.OnDevice;

/** {@link GradClipTest} on the CUDA backend running on the CPU emulation of the GPU libraries. */
@OnDevice("cuda-emu")
class GradClipCudaEmuTest extends GradClipTest {}
