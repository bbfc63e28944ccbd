package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * MaxPool1d, AvgPool1d and adaptive average pooling against float64 references written from
 * PyTorch's definitions (floor-mode windows; max padding is -inf; average padding counts unless
 * count_include_pad is false; adaptive bins [floor(i in / out), ceil((i + 1) in / out))), gradient
 * checks, cpu vs CUDA parity and error messages.
 */
class Pool1dAndAdaptiveTest {
  private static double[] pool1dRef(double[] x, int rows, int len, int k, int st, int pad, boolean max, boolean countPad) {
    int out = (len + 2 * pad - k) / st + 1;
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double acc = max ? Double.NEGATIVE_INFINITY : 0;
        int real = 0;
        for (int j = 0; j < k; j++) {
          int pos = o * st - pad + j;
          if (pos < 0 || pos >= len) continue;
          real++;
          acc = max ? Math.max(acc, x[r * len + pos]) : acc + x[r * len + pos];
        }
        y[r * out + o] = max ? acc : acc / (countPad ? k : real);
      }
    }
    return y;
  }

  @Test
  void pools1dMatchTheirDefinitions() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = LayerChecks.input(1, 2, 3, 11);
      double[] xv = x.toDoubleArray();
      Tensor y = new MaxPool1d(3, 2, 1).forward(x);
      assertArrayEquals(new long[] {2, 3, 6}, y.shape());
      assertAllClose(pool1dRef(xv, 6, 11, 3, 2, 1, true, true), y.toDoubleArray(), 0, 0, "MaxPool1d(3, 2, 1)");
      assertAllClose(pool1dRef(xv, 6, 11, 4, 4, 0, true, true), new MaxPool1d(4).forward(x).toDoubleArray(), 0, 0,
          "MaxPool1d(4)");
      assertAllClose(pool1dRef(xv, 6, 11, 3, 2, 1, false, true), new AvgPool1d(3, 2, 1, true).forward(x).toDoubleArray(),
          1e-15, 1e-15, "AvgPool1d counting padding");
      assertAllClose(pool1dRef(xv, 6, 11, 5, 3, 2, false, false), new AvgPool1d(5, 3, 2, false).forward(x).toDoubleArray(),
          1e-15, 1e-15, "AvgPool1d not counting padding");
    }
  }

  @Test
  void pools1dGradientsAndParity() {
    try (TensorScope s = new TensorScope()) {
      LayerChecks.gradCheck(new MaxPool1d(3, 2, 1), LayerChecks.input(2, 2, 2, 9));
      LayerChecks.gradCheck(new AvgPool1d(3, 2, 1, false), LayerChecks.input(3, 2, 2, 9));
    }
    LayerChecks.parity(() -> new MaxPool1d(3, 2, 1), 2, 3, 10);
    LayerChecks.parity(() -> new AvgPool1d(2), 2, 3, 10);
  }

  @Test
  void pools1dRefuseBadSettingsAndInputs() {
    assertMessage(() -> new MaxPool1d(3, 0, 0), "MaxPool1d(kernel 3, stride 0): stride must be at least 1", "0");
    assertMessage(() -> new AvgPool1d(2, 2, 2, true), "AvgPool1d(kernel 2, padding 2): padding must be >= 0 and at most half",
        "got 2");
    try (TensorScope s = new TensorScope()) {
      assertMessage(() -> new MaxPool1d(2).forward(Tensor.zeros(2, 3, 4, 4)), "MaxPool1d(kernel 2): expected input of shape"
          + " [N, C, L]", "[2, 3, 4, 4]");
      assertMessage(() -> new MaxPool1d(5).forward(Tensor.zeros(2, 3, 4)), "MaxPool1d(kernel 5): kernel 5 is longer than the"
          + " padded input", "length 4", "smaller kernel");
    }
  }

  /** Adaptive bins as PyTorch defines them: [floor(i in / out), ceil((i + 1) in / out)). */
  private static double[] adaptiveRef(double[] x, int planes, int h, int w, int oh, int ow) {
    double[] y = new double[planes * oh * ow];
    for (int p = 0; p < planes; p++) {
      for (int i = 0; i < oh; i++) {
        int r0 = (int) Math.floor((double) i * h / oh), r1 = (int) Math.ceil((double) (i + 1) * h / oh);
        for (int j = 0; j < ow; j++) {
          int c0 = (int) Math.floor((double) j * w / ow), c1 = (int) Math.ceil((double) (j + 1) * w / ow);
          double sum = 0;
          for (int r = r0; r < r1; r++) for (int c = c0; c < c1; c++) sum += x[(p * h + r) * w + c];
          y[(p * oh + i) * ow + j] = sum / ((r1 - r0) * (c1 - c0));
        }
      }
    }
    return y;
  }

  @Test
  void adaptiveAvgPoolUsesPyTorchsBins() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = LayerChecks.input(4, 2, 3, 7, 5);
      double[] xv = x.toDoubleArray();
      // uneven, overlapping bins (7 -> 3: [0, 3), [2, 5), [4, 7)); 5 -> 2: [0, 3), [2, 5)
      Tensor y = new AdaptiveAvgPool2d(3, 2).forward(x);
      assertArrayEquals(new long[] {2, 3, 3, 2}, y.shape());
      assertAllClose(adaptiveRef(xv, 6, 7, 5, 3, 2), y.toDoubleArray(), 1e-14, 1e-14, "AdaptiveAvgPool2d(3x2)");
      // larger than the input: cells repeat
      assertAllClose(adaptiveRef(xv, 6, 7, 5, 9, 6), new AdaptiveAvgPool2d(9, 6).forward(x).toDoubleArray(), 1e-14, 1e-14,
          "AdaptiveAvgPool2d(9x6)");
      // dividing sizes take the AvgPool2d path: same bins
      Tensor x2 = LayerChecks.input(5, 2, 3, 8, 6);
      assertAllClose(adaptiveRef(x2.toDoubleArray(), 6, 8, 6, 4, 3), new AdaptiveAvgPool2d(4, 3).forward(x2).toDoubleArray(),
          1e-14, 1e-14, "AdaptiveAvgPool2d(4x3) on 8x6");
      assertAllClose(adaptiveRef(x2.toDoubleArray(), 6, 8, 6, 1, 1), new AdaptiveAvgPool2d(1).forward(x2).toDoubleArray(),
          1e-14, 1e-14, "AdaptiveAvgPool2d(1)");
      Tensor x1 = LayerChecks.input(6, 2, 3, 10);
      Tensor y1 = new AdaptiveAvgPool1d(4).forward(x1);
      assertArrayEquals(new long[] {2, 3, 4}, y1.shape());
      assertAllClose(adaptiveRef(x1.toDoubleArray(), 6, 1, 10, 1, 4), y1.toDoubleArray(), 1e-14, 1e-14, "AdaptiveAvgPool1d(4)");
    }
  }

  @Test
  void adaptiveAvgPoolGradientsAndParity() {
    try (TensorScope s = new TensorScope()) {
      LayerChecks.gradCheck(new AdaptiveAvgPool2d(3, 2), LayerChecks.input(7, 2, 2, 7, 5));
      LayerChecks.gradCheck(new AdaptiveAvgPool2d(2), LayerChecks.input(8, 2, 2, 4, 6));
      LayerChecks.gradCheck(new AdaptiveAvgPool1d(3), LayerChecks.input(9, 2, 2, 8));
    }
    LayerChecks.parity(() -> new AdaptiveAvgPool2d(3, 2), 2, 3, 7, 5);
    LayerChecks.parity(() -> new AdaptiveAvgPool2d(2), 2, 3, 6, 4);
    LayerChecks.parity(() -> new AdaptiveAvgPool1d(3), 2, 3, 7);
  }

  @Test
  void adaptiveAvgPoolRefusesBadSettingsAndInputs() {
    assertMessage(() -> new AdaptiveAvgPool2d(0, 2), "AdaptiveAvgPool2d(0x2): output_size must be at least 1x1");
    assertMessage(() -> new AdaptiveAvgPool1d(-1), "AdaptiveAvgPool1d(-1): output_size must be at least 1", "-1");
    try (TensorScope s = new TensorScope()) {
      assertMessage(() -> new AdaptiveAvgPool2d(2).forward(Tensor.zeros(3, 4, 4)), "AdaptiveAvgPool2d(2x2): expected input"
          + " of shape [N, C, H, W]", "[3, 4, 4]");
      assertMessage(() -> new AdaptiveAvgPool2d(3).forward(Tensor.zeros(1, 1, 4097, 4097)), "AdaptiveAvgPool2d(3x3): an"
          + " input of 4097x4097 does not divide", "choose an output size");
    }
  }
}
