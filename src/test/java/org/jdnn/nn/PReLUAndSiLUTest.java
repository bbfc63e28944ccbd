package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * PReLU (torch.nn.PReLU: max(0, x) + a min(0, x), a per channel of dimension 1 or shared, init 0.25)
 * and SiLU (x sigmoid(x)) against float64 references, gradient checks including the slope's, cpu vs
 * CUDA parity and error messages.
 */
class PReLUAndSiLUTest {
  @Test
  void preluAppliesOneSlopePerChannelOfDimensionOne() {
    try (PReLU p = new PReLU(3, 0.25); TensorScope s = new TensorScope()) {
      assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, p.weight().toFloatArray());
      p.to(DType.FLOAT64);
      p.weight().write(new double[] {0.1, -0.5, 2.0});
      Tensor x = LayerChecks.input(1, 2, 3, 4);
      double[] xv = x.toDoubleArray(), y = p.forward(x).toDoubleArray();
      double[] a = {0.1, -0.5, 2.0};
      for (int i = 0; i < xv.length; i++) {
        int c = (i / 4) % 3;
        assertEquals(xv[i] > 0 ? xv[i] : a[c] * xv[i], y[i], 1e-15, "element " + i);
      }
    }
  }

  @Test
  void preluWithOneSlopeTakesAnyShape() {
    try (PReLU p = new PReLU(); TensorScope s = new TensorScope()) {
      float[] y = p.forward(Tensor.of(new float[] {-4, 0, 3}, 3)).toFloatArray();
      assertArrayEquals(new float[] {-1, 0, 3}, y);
    }
  }

  @Test
  void preluGradientsReachTheInputAndTheSlopes() {
    try (PReLU p = new PReLU(3, 0.25); TensorScope s = new TensorScope()) {
      LayerChecks.gradCheck(p, LayerChecks.input(2, 2, 3, 5));
    }
    try (PReLU p = new PReLU(); TensorScope s = new TensorScope()) {
      LayerChecks.gradCheck(p, LayerChecks.input(3, 4, 3));
    }
  }

  @Test
  void preluAtZeroPassesTheSlopeAsPyTorchDoes() {
    // PyTorch's kernel: dx = x > 0 ? g : a g, so at x = 0 the input's gradient is a; the slope's is x g = 0 there
    try (PReLU p = new PReLU(1, 0.3); TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {0, -2}, 2).requiresGrad(true);
      p.forward(x).sum().backward();
      assertArrayEquals(new float[] {0.3f, 0.3f}, x.grad().toFloatArray(), 1e-7f);
      assertArrayEquals(new float[] {-2}, p.weight().grad().toFloatArray(), 1e-7f);
    }
  }

  @Test
  void preluMatchesOnCudaDevices() {
    LayerChecks.parity(() -> new PReLU(4, 0.25), 3, 4, 5);
  }

  @Test
  void preluRefusesAChannelCountThatDiffers() {
    try (PReLU p = new PReLU(3, 0.25); TensorScope s = new TensorScope()) {
      assertMessage(() -> p.forward(Tensor.zeros(2, 4, 5)), "PReLU(num_parameters=3): expected input of shape [N, 3, *]",
          "[2, 4, 5]", "num_parameters=1");
      assertMessage(() -> p.forward(Tensor.zeros(3)), "PReLU(num_parameters=3)", "[3]");
    }
    assertMessage(() -> new PReLU(0, 0.25), "PReLU(num_parameters=0): num_parameters must be at least 1", "0");
  }

  @Test
  void siluIsXTimesSigmoidWithItsGradient() {
    try (SiLU silu = new SiLU(); TensorScope s = new TensorScope()) {
      Tensor x = LayerChecks.input(4, 3, 7);
      double[] xv = x.toDoubleArray(), want = new double[xv.length];
      for (int i = 0; i < xv.length; i++) want[i] = xv[i] / (1 + Math.exp(-xv[i]));
      assertAllClose(want, silu.forward(x).toDoubleArray(), 1e-14, 1e-14, "SiLU");
      LayerChecks.gradCheck(silu, LayerChecks.input(5, 2, 6));
      assertEquals("SiLU()", silu.describe());
    }
    LayerChecks.parity(SiLU::new, 3, 8);
  }
}
