package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sequential runs Linear + ReLU as one fused native op when no gradient is recorded; its output must
 * be bit-identical to the unfused layers, on every GEMM path (matrix-vector for 1-2 rows or <= 5
 * outputs, split across threads for big matrices, packed otherwise), with and without bias.
 */
class FusedLinearReluTest {
  @ParameterizedTest
  @CsvSource({"1, 784, 512, true", "2, 512, 256, true", "1, 64, 3, true", "7, 40, 3, false", "64, 784, 512, true",
      "33, 100, 70, false", "256, 256, 10, true"})
  void fusedEqualsLinearThenRelu(int batch, int in, int out, boolean bias) {
    Generator.manualSeed(batch * 1000L + out);
    try (Linear layer = new Linear(in, out, bias); TensorScope s = new TensorScope()) {
      Tensor x = Tensor.empty(DType.FLOAT32, batch, in);
      Generator.global().uniform(x, -1, 1);
      float[] unfused;
      float[] fused;
      try (GradMode.Guard g = GradMode.disable()) {
        unfused = layer.forward(x).relu().toFloatArray();
        fused = new Sequential(layer, new ReLU()).forward(x).toFloatArray();
      }
      assertArrayEquals(unfused, fused, 0f);
      int zeros = 0;
      for (float v : fused) zeros += v == 0f ? 1 : 0;
      assertTrue(zeros > 0 && zeros < fused.length, "the ReLU must clip some outputs and keep others");
    }
  }

  @ParameterizedTest
  @CsvSource({"1, 30, 20", "5, 30, 4", "9, 30, 20"})
  void float64FusedEqualsUnfused(int batch, int in, int out) {
    Generator.manualSeed(out);
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = Tensor.empty(DType.FLOAT64, batch, in);
      Tensor w = Tensor.empty(DType.FLOAT64, out, in);
      Tensor b = Tensor.empty(DType.FLOAT64, out);
      Generator.global().uniform(x, -1, 1);
      Generator.global().uniform(w, -1, 1);
      Generator.global().uniform(b, -1, 1);
      assertArrayEquals(Linalg.linear(x, w, b, "l").relu().toDoubleArray(),
          Linalg.linearRelu(x, w, b, "l").toDoubleArray(), 0.0);
    }
  }

  @ParameterizedTest
  @CsvSource({"1", "16"})
  void withGradientsItIsRecordedAsLinearThenRelu(int batch) {
    Generator.manualSeed(5);
    try (Sequential model = new Sequential(new Linear(12, 8), new ReLU(), new Linear(8, 1));
        TensorScope s = new TensorScope()) {
      Tensor x = Tensor.empty(DType.FLOAT32, batch, 12);
      Generator.global().uniform(x, -1, 1);
      float[] inference;
      try (GradMode.Guard g = GradMode.disable()) {
        inference = model.forward(x).toFloatArray();
      }
      Tensor y = model.forward(x);
      assertArrayEquals(inference, y.toFloatArray(), 0f);
      y.sum().backward();
      Tensor w0 = ((Linear) model.get(0)).weight();
      assertEquals(8 * 12, w0.grad().numel());
      double norm = 0;
      for (float v : w0.grad().toFloatArray()) norm += v * v;
      assertTrue(norm > 0, "gradients flow through the unfused ReLU");
    }
  }
}
