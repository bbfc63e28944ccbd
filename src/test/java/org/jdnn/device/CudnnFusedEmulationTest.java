package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.testing.NativeChecks;
import org.junit.jupiter.api.Test;

/**
 * The emulated fused convolution, cudnnConvolutionBiasActivationForward: native/test/cudnn_fused_emu_test.cpp, built
 * with the emulation, checks float32 results against a float64 reference of y = act(alpha1 conv(x) + alpha2 z + bias)
 * over padding, strides, dilation and groups (identity and ReLU, z aliasing an unwritten y with alpha2 0, z of its
 * own), that the identity form equals cudnnConvolutionForward then cudnnAddTensor bit for bit (what conv2d's fused
 * path replaces), NaN under each cudnnNanPropagation_t option, and each refusal (an activation other than ReLU and
 * identity, identity with an algorithm other than IMPLICIT_PRECOMP_GEMM, a bias not (1, K, 1, 1), z not like y, an
 * unset or destroyed activation descriptor, a null alpha2, host data).
 */
class CudnnFusedEmulationTest {
  @Test
  void fusedConvolutionFollowsTheDocumentedSemantics() throws Exception {
    String out = NativeChecks.assertPasses(NativeChecks.program("jdnn_cudnn_fused_emu_test"), 60);
    assertTrue(out.contains("ALL PASSED"), out);
  }
}
