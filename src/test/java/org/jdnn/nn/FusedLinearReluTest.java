package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.globalUniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * After {@link Sequential#fuseForInference()}, a Linear followed by a ReLU carries it and runs as one fused
 * native op when no gradient is recorded; its output must be bit-identical to the unfused layers, on every
 * GEMM path (matrix-vector for 1-2 rows or <= 5 outputs, split across threads for big matrices, packed
 * otherwise), with and without bias. Without the call nothing is fused.
 */
class FusedLinearReluTest {
  @ParameterizedTest
  @CsvSource({"1, 784, 512, true", "2, 512, 256, true", "1, 64, 3, true", "7, 40, 3, false", "64, 784, 512, true",
      "33, 100, 70, false", "256, 256, 10, true"})
  void fusedEqualsLinearThenRelu(int batch, int in, int out, boolean bias) {
    Generator.manualSeed(batch * 1000L + out);
    try (Sequential model = new Sequential(new Linear(in, out, bias), new ReLU()); TensorScope s = new TensorScope()) {
      Linear layer = (Linear) model.get(0);
      FusedReluChecks.assertFusesInPlace(model, layer, layer::isReluFused, globalUniform(DType.FLOAT32, batch, in));
    }
  }

  @ParameterizedTest
  @CsvSource({"1, 30, 20", "5, 30, 4", "9, 30, 20"})
  void float64FusedEqualsUnfused(int batch, int in, int out) {
    Generator.manualSeed(out);
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = globalUniform(DType.FLOAT64, batch, in);
      Tensor w = globalUniform(DType.FLOAT64, out, in);
      Tensor b = globalUniform(DType.FLOAT64, out);
      assertArrayEquals(Linalg.linear(x, w, b, "l").relu().toDoubleArray(),
          Linalg.linearRelu(x, w, b, "l").toDoubleArray(), 0.0);
    }
  }

  @ParameterizedTest
  @CsvSource({"1", "16"})
  void withGradientsTheFusedModelTrainsAsTheUnfusedOne(int batch) {
    try (Sequential plain = mlp(); Sequential fused = mlp().fuseForInference(); TensorScope s = new TensorScope()) {
      FusedReluChecks.assertTrainsAsUnfused(plain, fused, globalUniform(DType.FLOAT32, batch, 12), "0.weight");
    }
  }

  private static Sequential mlp() {
    Generator.manualSeed(5);
    return new Sequential(new Linear(12, 8), new ReLU(), new Linear(8, 1));
  }

  @Test
  void nestedSequentialsAreFusedAndOnlyLinearThenRelu() {
    try (Sequential inner = new Sequential(new Linear(4, 4), new ReLU());
        Sequential model = new Sequential(new Linear(4, 4), new Tanh(), new ReLU(), new Residual(inner), new ReLU(),
            new Linear(4, 2))) {
      model.fuseForInference();
      assertFalse(((Linear) model.get(0)).isReluFused(), "a Tanh between them: nothing to fuse");
      assertTrue(model.get(2) instanceof ReLU && model.get(4) instanceof ReLU);
      assertFalse(((Linear) model.get(5)).isReluFused(), "no ReLU after the last Linear");
      assertTrue(((Linear) inner.get(0)).isReluFused(), "the Sequential inside the Residual is fused too");
      assertTrue(inner.get(1) instanceof Identity);
      assertEquals("Linear(4 -> 4, ReLU fused)", inner.get(0).describe());
    }
  }

  @Test
  void bf16InferenceRunsTheFusedReluOnTheBf16Product() {
    assumeTrue(Linalg.bf16Accelerated(), "no AMX or AVX512-BF16 on this CPU: Linear stays float32, nothing bf16 to fuse");
    try (Sequential plain = mlp(); Sequential fused = mlp().fuseForInference(); TensorScope s = new TensorScope()) {
      plain.eval().inferenceBf16(true);
      fused.eval().inferenceBf16(true);
      assertTrue(((Linear) fused.get(0)).isInferenceBf16());
      for (int batch : new int[] {1, 40}) {
        Tensor x = globalUniform(DType.FLOAT32, batch, 12);
        try (GradMode.Guard g = GradMode.disable()) {
          float[] want = plain.forward(x).toFloatArray();
          assertArrayEquals(want, fused.forward(x).toFloatArray(), 0f, "batch " + batch);
        }
      }
    }
  }
}
