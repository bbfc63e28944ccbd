package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** The layer classes over the conv, pool, batch norm and dropout ops: shapes, options, state, modes and their error messages. */
class ConvLayersTest {
  private static Tensor ramp(long... shape) {
    long n = 1;
    for (long d : shape) n *= d;
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = Math.sin(0.7 * i + 0.3);
    return Tensor.of(v, shape);
  }

  @Test
  void conv2dOutputShapesFollowStridePaddingDilationAndSame() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(2, 4, 9, 7);
      assertArrayEquals(new long[] {2, 6, 9, 7}, outputShape(new Conv2d(4, 6, 3, ConvOptions.padding(1)), x));
      assertArrayEquals(new long[] {2, 6, 4, 3}, outputShape(new Conv2d(4, 6, 3, ConvOptions.defaults().stride(2)), x));
      assertArrayEquals(new long[] {2, 6, 5, 3}, outputShape(new Conv2d(4, 6, 3, ConvOptions.defaults().dilation(2)), x));
      assertArrayEquals(new long[] {2, 6, 9, 7}, outputShape(new Conv2d(4, 6, 4, ConvOptions.same()), x));
      assertArrayEquals(new long[] {2, 4, 9, 7}, outputShape(new Conv2d(4, 4, 3, ConvOptions.same().groups(4)), x));
      assertArrayEquals(new long[] {2, 6, 8, 5},
          outputShape(new Conv2d(4, 6, 2, 3, ConvOptions.defaults(), Generator.global()), x));
    }
  }

  /** The layer's output shape for x; the layer (its parameters) is closed afterwards. */
  private static long[] outputShape(Conv2d conv, Tensor x) {
    try (conv) {
      return conv.forward(x).shape();
    }
  }

  @Test
  void samePaddingPutsTheOddExtraZeroAtTheEnd() {
    // kernel 2 "same": PyTorch pads 0 before and 1 after, so output[i] = w0 x[i] + w1 x[i+1] (x[L] = 0).
    try (Conv1d c = new Conv1d(1, 1, 2, ConvOptions.same().bias(false)); TensorScope s = new TensorScope()) {
      c.weight().write(new float[] {1, 10});
      float[] y = c.forward(Tensor.of(new float[] {1, 2, 3}, 1, 1, 3)).toFloatArray();
      assertArrayEquals(new float[] {21, 32, 3}, y, 1e-6f);
    }
  }

  @Test
  void conv1dMatchesADirectReferenceAndPassesGradCheck() {
    Generator.manualSeed(4);
    try (Conv1d c = new Conv1d(4, 6, 3, ConvOptions.padding(1).stride(2).groups(2)); TensorScope s = new TensorScope()) {
      c.to(DType.FLOAT64);
      Tensor x = ramp(2, 4, 9);
      double[] w = c.weight().toDoubleArray(), b = c.bias().toDoubleArray(), xv = x.toDoubleArray();
      double[] y = c.forward(x).toDoubleArray();
      int lout = 5;
      for (int n = 0; n < 2; n++) {
        for (int o = 0; o < 6; o++) {
          int g = o / 3;
          for (int l = 0; l < lout; l++) {
            double acc = b[o];
            for (int ci = 0; ci < 2; ci++) {
              for (int k = 0; k < 3; k++) {
                int pos = l * 2 - 1 + k;
                if (pos >= 0 && pos < 9) acc += w[(o * 2 + ci) * 3 + k] * xv[(n * 4 + g * 2 + ci) * 9 + pos];
              }
            }
            assertEquals(acc, y[(n * 6 + o) * lout + l], 1e-12, "n" + n + " o" + o + " l" + l);
          }
        }
      }
      GradCheck.check(in -> c.forward(in[0]), c.parameters(), 1e-6, ramp(1, 4, 9)).assertWithin(1e-7, 1e-6);
    }
  }

  @Test
  void poolingLayersHaveTheirPyTorchShapes() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = ramp(1, 2, 7, 7).to(DType.FLOAT32);
      assertArrayEquals(new long[] {1, 2, 3, 3}, new MaxPool2d(2).forward(x).shape());
      assertArrayEquals(new long[] {1, 2, 4, 4}, new MaxPool2d(3, 2, 1).forward(x).shape());
      assertArrayEquals(new long[] {1, 2, 4, 4}, new AvgPool2d(3, 2, 1, false).forward(x).shape());
      Tensor g = new GlobalAvgPool2d().forward(x);
      assertArrayEquals(new long[] {1, 2}, g.shape());
      float[] xv = x.toFloatArray();
      double mean0 = 0;
      for (int i = 0; i < 49; i++) mean0 += xv[i];
      assertEquals(mean0 / 49, g.toFloatArray()[0], 1e-6);
    }
  }

  @Test
  void batchNormUpdatesRunningStatisticsInTrainingOnlyAndCountsBatches() {
    try (BatchNorm2d bn = new BatchNorm2d(2); TensorScope s = new TensorScope()) {
      Tensor x = ramp(3, 2, 2, 2).to(DType.FLOAT32);
      float[] xv = x.toFloatArray();
      bn.forward(x);
      double[] mean = new double[2], var = new double[2];
      for (int c = 0; c < 2; c++) {
        double sum = 0, sq = 0;
        for (int n = 0; n < 3; n++) for (int i = 0; i < 4; i++) sum += xv[(n * 2 + c) * 4 + i];
        mean[c] = sum / 12;
        for (int n = 0; n < 3; n++) for (int i = 0; i < 4; i++) sq += Math.pow(xv[(n * 2 + c) * 4 + i] - mean[c], 2);
        var[c] = sq / 11;  // unbiased for the running estimate
      }
      float[] rm = bn.runningMean().toFloatArray(), rv = bn.runningVar().toFloatArray();
      for (int c = 0; c < 2; c++) {
        assertEquals(0.1 * mean[c], rm[c], 1e-6);
        assertEquals(0.9 + 0.1 * var[c], rv[c], 1e-6);
      }
      assertEquals(1L, bn.namedBuffers().get("num_batches_tracked").toLongArray()[0]);
      bn.eval();
      Tensor y = bn.forward(x);
      assertArrayEquals(rm, bn.runningMean().toFloatArray(), 0f);
      float[] yv = y.toFloatArray();
      assertEquals((xv[0] - rm[0]) / Math.sqrt(rv[0] + 1e-5), yv[0], 1e-5);
      assertEquals(1L, bn.namedBuffers().get("num_batches_tracked").toLongArray()[0]);
    }
  }

  @Test
  void dropoutIsIdentityInEvalAndReproducibleFromASeed() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.ones(4, 1000);
      float[] a = new Dropout(0.3, new Generator(5)).forward(x).toFloatArray();
      float[] b = new Dropout(0.3, new Generator(5)).forward(x).toFloatArray();
      assertArrayEquals(a, b, 0f);
      Dropout d = new Dropout(0.3, new Generator(5));
      float[] first = d.forward(x).toFloatArray(), second = d.forward(x).toFloatArray();
      assertFalse(Arrays.equals(first, second), "successive masks differ");
      long kept = 0;
      for (float v : a) {
        if (v != 0) {
          kept++;
          assertEquals(1 / 0.7, v, 1e-6);
        }
      }
      assertEquals(0.7 * 4000, kept, 4 * Math.sqrt(4000 * 0.21));
      d.eval();
      assertArrayEquals(x.toFloatArray(), d.forward(x).toFloatArray(), 0f);
      float[] ch = new Dropout2d(0.5, new Generator(1)).forward(Tensor.ones(2, 8, 3, 3)).toFloatArray();
      for (int plane = 0; plane < 16; plane++) {
        for (int i = 1; i < 9; i++) assertEquals(ch[plane * 9], ch[plane * 9 + i], 0f, "plane " + plane);
      }
    }
  }

  @Test
  void shapeModulesCarryGradients() {
    Generator.manualSeed(8);
    try (Sequential net = new Sequential(new Reshape(2, 3), new Flatten(),
        new Concat(1, new Linear(6, 2), new Residual(new Sequential(new Linear(6, 6), new Tanh()))),
        new Add(new Linear(8, 3), new Linear(8, 3)));
        TensorScope s = new TensorScope()) {
      net.to(DType.FLOAT64);
      Tensor x = ramp(2, 6);
      assertArrayEquals(new long[] {2, 3}, net.forward(x).shape());
      GradCheck.check(in -> net.forward(in[0]), net.parameters(), 1e-6, x).assertWithin(1e-7, 1e-6);
    }
  }

  @Test
  void aChannelCountThatDoesNotMatchTheLayer() {
    try (Conv2d c = new Conv2d(3, 8, 3); BatchNorm2d bn = new BatchNorm2d(8); TensorScope s = new TensorScope()) {
      assertMentions(assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(1, 1, 28, 28))),
          "Conv2d(3 -> 8, kernel 3x3)", "expected 3 input channels, got 1");
      assertMentions(assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(2, 4, 5, 5))),
          "BatchNorm2d(8)", "expected 8 channels, got 4");
      assertMentions(assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(3, 28, 28))),
          "Conv2d(3 -> 8, kernel 3x3)", "[N, 3, H, W]", "[3, 28, 28]");
      assertEquals(26, c.forward(Tensor.zeros(1, 3, 28, 28)).dim(2));
    }
  }

  @Test
  void aKernelLargerThanThePaddedInput() {
    try (Conv2d c = new Conv2d(1, 2, 5, ConvOptions.padding(1)); TensorScope s = new TensorScope()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(1, 1, 2, 2)));
      assertMentions(e, "Conv2d(1 -> 2, kernel 5x5, padding 1)", "kernel");
      assertEquals(2, c.forward(Tensor.zeros(1, 1, 3, 3)).dim(1));
    }
  }

  @Test
  void groupsThatDoNotDivideTheChannels() {
    assertMentions(assertThrows(IllegalArgumentException.class, () -> new Conv2d(6, 4, 3, ConvOptions.defaults().groups(4))),
        "groups must divide", "input channels (6)", "output channels (4)", "groups 4");
  }

  @Test
  void dropoutProbabilityOutsideZeroOne() {
    assertMentions(assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0)), "Dropout", "[0, 1)", "1.0");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> new Dropout2d(-0.1)), "Dropout2d", "-0.1");
    assertNotEquals(null, new Dropout(0.0));
  }

  @Test
  void inferenceWithoutGradientsRecordsNothing() {
    try (Conv2d c = new Conv2d(1, 2, 3); TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      assertFalse(c.forward(Tensor.zeros(1, 1, 5, 5)).requiresGrad());
    }
  }
}
