package org.jdnn.tensor;

import org.jdnn.testing.OnDevice;

/** {@link BatchedMatmulOpsTest} on the CUDA backend running on the CPU emulation of the GPU libraries. */
@OnDevice("cuda-emu")
class BatchedMatmulOpsCudaEmuTest extends BatchedMatmulOpsTest {}
