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
 * LayerNorm and GroupNorm against float64 references written from PyTorch's definitions
 * (torch.nn.LayerNorm, torch.nn.GroupNorm: biased variance, eps inside the square root, affine
 * after), gradient checks, cpu vs CUDA parity and their error messages.
 */
class NormLayersTest {
  /** y = (x - mean) / sqrt(var + eps) * w + b over each row of length k, var biased (divided by k). */
  private static double[] layerNormRef(double[] x, int k, double eps, double[] w, double[] b) {
    double[] y = new double[x.length];
    for (int r = 0; r < x.length / k; r++) {
      double mean = 0, var = 0;
      for (int i = 0; i < k; i++) mean += x[r * k + i];
      mean /= k;
      for (int i = 0; i < k; i++) var += (x[r * k + i] - mean) * (x[r * k + i] - mean);
      var /= k;
      for (int i = 0; i < k; i++) {
        double v = (x[r * k + i] - mean) / Math.sqrt(var + eps);
        y[r * k + i] = w == null ? v : v * w[i] + (b == null ? 0 : b[i]);
      }
    }
    return y;
  }

  @Test
  void layerNormNormalizesTheTrailingDimensionsAsPyTorch() {
    try (LayerNorm ln = new LayerNorm(new long[] {3, 4}, 1e-3, true, true); TensorScope s = new TensorScope()) {
      ln.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(ln, 2);
      Tensor x = LayerChecks.input(1, 2, 5, 3, 4);
      double[] want = layerNormRef(x.toDoubleArray(), 12, 1e-3, ln.namedParameters().get("weight").toDoubleArray(),
          ln.namedParameters().get("bias").toDoubleArray());
      Tensor y = ln.forward(x);
      assertArrayEquals(new long[] {2, 5, 3, 4}, y.shape());
      assertAllClose(want, y.toDoubleArray(), 1e-12, 1e-12, "LayerNorm([3, 4])");
    }
  }

  @Test
  void layerNormDefaultsAreThoseOfPyTorch() {
    try (LayerNorm ln = new LayerNorm(6); TensorScope s = new TensorScope()) {
      assertEquals(1e-5, ln.eps());
      assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, ln.namedParameters().get("weight").toFloatArray());
      assertArrayEquals(new float[6], ln.namedParameters().get("bias").toFloatArray());
      // a constant row has variance 0: the output is 0, not NaN (eps keeps the root positive)
      Tensor y = ln.forward(Tensor.full(3, DType.FLOAT32, 2, 6));
      assertArrayEquals(new float[12], y.toFloatArray());
    }
    try (LayerNorm plain = new LayerNorm(new long[] {5}, 1e-5, false, true);
        LayerNorm noBias = new LayerNorm(new long[] {5}, 1e-5, true, false); TensorScope s = new TensorScope()) {
      assertEquals(0, plain.namedParameters().size());
      assertEquals(java.util.List.of("weight"), java.util.List.copyOf(noBias.namedParameters().keySet()));
      plain.to(DType.FLOAT64);
      Tensor x = LayerChecks.input(4, 3, 5);
      assertAllClose(layerNormRef(x.toDoubleArray(), 5, 1e-5, null, null), plain.forward(x).toDoubleArray(), 1e-12, 1e-12,
          "LayerNorm without affine");
    }
  }

  @Test
  void layerNormGradients() {
    try (LayerNorm ln = new LayerNorm(new long[] {2, 3}, 1e-5, true, true); TensorScope s = new TensorScope()) {
      LayerChecks.gradCheck(ln, LayerChecks.input(3, 2, 2, 3));
    }
  }

  @Test
  void layerNormMatchesOnCudaDevices() {
    LayerChecks.parity(() -> new LayerNorm(new long[] {4, 5}, 1e-5, true, true), 3, 2, 4, 5);
  }

  @Test
  void layerNormRefusesInputsWhoseTrailingDimensionsDiffer() {
    try (LayerNorm ln = new LayerNorm(new long[] {3, 4}, 1e-5, true, true); TensorScope s = new TensorScope()) {
      assertMessage(() -> ln.forward(Tensor.zeros(2, 4, 3)), "LayerNorm([3, 4]", "expected input of shape [*, 3, 4]",
          "[2, 4, 3]", "trailing dimensions");
      assertMessage(() -> ln.forward(Tensor.zeros(4)), "LayerNorm([3, 4]", "[4]");
      assertMessage(() -> ln.forward(Tensor.zeros(DType.FLOAT64, 2, 3, 4)), "LayerNorm([3, 4]", "expected float32 input",
          "float64", ".to(");
    }
    assertMessage(() -> new LayerNorm(0), "LayerNorm: normalized_shape sizes must be at least 1", "[0]");
    assertMessage(() -> new LayerNorm(new long[] {4}, 0, true, true), "LayerNorm: eps must be positive", "0.0");
  }

  /** GroupNorm from its definition: per sample and group of C / G channels, statistics over channels and positions. */
  private static double[] groupNormRef(double[] x, int n, int c, int g, int spatial, double eps, double[] w, double[] b) {
    double[] y = new double[x.length];
    int per = c / g * spatial;
    for (int s = 0; s < n; s++) {
      for (int gi = 0; gi < g; gi++) {
        int base = (s * c + gi * (c / g)) * spatial;
        double mean = 0, var = 0;
        for (int i = 0; i < per; i++) mean += x[base + i];
        mean /= per;
        for (int i = 0; i < per; i++) var += (x[base + i] - mean) * (x[base + i] - mean);
        var /= per;
        for (int i = 0; i < per; i++) {
          int ch = gi * (c / g) + i / spatial;
          y[base + i] = (x[base + i] - mean) / Math.sqrt(var + eps) * w[ch] + b[ch];
        }
      }
    }
    return y;
  }

  @Test
  void groupNormNormalizesGroupsOfConsecutiveChannels() {
    try (GroupNorm gn = new GroupNorm(2, 6); TensorScope s = new TensorScope()) {
      gn.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(gn, 4);
      Tensor x = LayerChecks.input(5, 3, 6, 2, 3);
      double[] want = groupNormRef(x.toDoubleArray(), 3, 6, 2, 6, 1e-5, gn.namedParameters().get("weight").toDoubleArray(),
          gn.namedParameters().get("bias").toDoubleArray());
      Tensor y = gn.forward(x);
      assertArrayEquals(x.shape(), y.shape());
      assertAllClose(want, y.toDoubleArray(), 1e-12, 1e-12, "GroupNorm(2, 6)");
      // (N, C) input: each group spans C / G channels and no positions
      Tensor x2 = LayerChecks.input(6, 4, 6);
      double[] want2 = groupNormRef(x2.toDoubleArray(), 4, 6, 2, 1, 1e-5, gn.namedParameters().get("weight").toDoubleArray(),
          gn.namedParameters().get("bias").toDoubleArray());
      assertAllClose(want2, gn.forward(x2).toDoubleArray(), 1e-12, 1e-12, "GroupNorm(2, 6) on (N, C)");
    }
  }

  @Test
  void groupNormGradientsAndParity() {
    try (GroupNorm gn = new GroupNorm(3, 6, 1e-5, true); TensorScope s = new TensorScope()) {
      LayerChecks.gradCheck(gn, LayerChecks.input(8, 2, 6, 3));
    }
    LayerChecks.parity(() -> new GroupNorm(2, 4), 3, 4, 5, 2);
  }

  @Test
  void groupNormRefusesBadSettingsAndInputs() {
    assertMessage(() -> new GroupNorm(4, 6), "GroupNorm(4, 6): num_channels (6) must be divisible by num_groups (4)",
        "choose");
    assertMessage(() -> new GroupNorm(0, 6), "GroupNorm(0, 6): num_groups and num_channels must be positive");
    try (GroupNorm gn = new GroupNorm(2, 6); TensorScope s = new TensorScope()) {
      assertMessage(() -> gn.forward(Tensor.zeros(2, 4, 3)), "GroupNorm(2, 6): expected input of shape [N, 6, *]",
          "[2, 4, 3]");
    }
  }
}
