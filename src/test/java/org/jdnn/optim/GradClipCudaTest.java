package org.jdnn.optim;

import org.jdnn.testing.OnDevice;

/** {@link GradClipTest} on the GPU; skipped, with the reason, where none is usable. */
@OnDevice("cuda")
class GradClipCudaTest extends GradClipTest {}
