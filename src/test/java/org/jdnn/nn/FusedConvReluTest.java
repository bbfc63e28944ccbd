package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.globalUniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.jdnn.io.ModelFile;
import org.jdnn.io.SavedModel;
import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.Conv2dGeometry;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * After {@link Sequential#fuseForInference()}, a Conv2d directly followed by a ReLU carries it: one native call when
 * no gradient is recorded (on the CPU the ReLU is applied to each sample's block right after its GEMM), output
 * bit-identical to the two layers' on both GEMM paths (samples spread over threads, or one sample at a time), with
 * and without bias, grouped and strided, float32 and float64. With gradients it trains as the unfused pair; the fusion
 * survives a save and a load. The CUDA side (cuDNN's fused call, its counts, NaN) is FusedConvTest's and the op
 * database's conv2dRelu row's.
 */
class FusedConvReluTest {
  @ParameterizedTest
  @CsvSource({"1, 1, 8, 3, 1, 1, true, FLOAT32", "8, 3, 16, 3, 1, 1, true, FLOAT32", "5, 4, 6, 3, 2, 2, false, FLOAT32",
      "3, 2, 5, 1, 1, 1, true, FLOAT32", "4, 3, 7, 3, 1, 1, true, FLOAT64", "1, 2, 4, 2, 1, 1, false, FLOAT64"})
  void fusedEqualsConvolutionThenRelu(int batch, int in, int out, int kernel, int stride, int groups, boolean bias,
      DType dtype) {
    Generator.manualSeed(batch * 100L + out);
    int channels = in * groups;
    ConvOptions options = ConvOptions.padding(kernel / 2).stride(stride).groups(groups).bias(bias);
    try (Sequential model = new Sequential(new Conv2d(channels, out * groups, kernel, options), new ReLU());
        TensorScope s = new TensorScope()) {
      model.to(dtype);
      Conv2d layer = (Conv2d) model.get(0);
      FusedReluChecks.assertFusesInPlace(model, layer, layer::isReluFused, globalUniform(dtype, batch, channels, 9, 7));
    }
  }

  /** jdnn's ReLU keeps NaN (Tensor.relu); the fused one must too, and -0 must come out as 0 as relu gives it. */
  @Test
  void nanStaysNanAndOtherOutputsAreUntouched() {
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = Tensor.of(new float[] {1, Float.NaN, -2, 3, 0, 0}, 1, 1, 2, 3);
      Tensor w = Tensor.of(new float[] {1}, 1, 1, 1, 1);
      Tensor b = Tensor.of(new float[] {-0.0f}, 1);
      float[] got = ConvOps.conv2dRelu(x, w, b, Conv2dGeometry.defaults(), "Conv2d(test)").toFloatArray();
      assertEquals(1f, got[0]);
      assertTrue(Float.isNaN(got[1]), "NaN through the fused ReLU: " + got[1]);
      assertEquals(0f, got[2]);
      assertEquals(3f, got[3]);
      assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(got[4]), "0 + -0 through ReLU is +0, as relu");
    }
  }

  @ParameterizedTest
  @CsvSource({"1", "6"})
  void withGradientsTheFusedModelTrainsAsTheUnfusedOne(int batch) {
    try (Sequential plain = cnn(); Sequential fused = cnn().fuseForInference(); TensorScope s = new TensorScope()) {
      FusedReluChecks.assertTrainsAsUnfused(plain, fused, globalUniform(DType.FLOAT32, batch, 2, 6, 6), "0.weight");
    }
  }

  @Test
  void onlyAConv2dDirectlyFollowedByReluIsFused() {
    try (Sequential model = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU(), new Conv2d(2, 2, 1),
        new ReLU(), new Conv1d(2, 2, 1), new ReLU())) {
      model.fuseForInference();
      assertFalse(((Conv2d) model.get(0)).isReluFused(), "a batch norm between them: nothing to fuse");
      assertTrue(model.get(2) instanceof ReLU);
      assertTrue(((Conv2d) model.get(3)).isReluFused());
      assertEquals("Conv2d(2 -> 2, kernel 1x1, ReLU fused)", model.get(3).describe());
      assertTrue(model.get(4) instanceof Identity);
      assertTrue(model.get(6) instanceof ReLU, "Conv1d carries no ReLU");
      long[] in = {1, 2, 5, 5};
      long outputs = 2 * 25;
      assertEquals(2L * 2 * outputs + outputs + outputs, model.get(3).flops(in, in), "product, bias and ReLU per output");
    }
  }

  @Test
  void theFusionIsSavedAndLoaded(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cnn.safetensors");
    try (Sequential model = cnn().fuseForInference(); TensorScope s = new TensorScope()) {
      ModelFile.save(file, model);
      try (SavedModel saved = ModelFile.load(file)) {
        Layer loaded = saved.model();
        Layer first = ((Sequential) loaded).get(0);
        assertTrue(((Conv2d) first).isReluFused(), "saved as \"activation\": \"relu\" and loaded so");
        Tensor x = globalUniform(DType.FLOAT32, 3, 2, 6, 6);
        try (GradMode.Guard g = GradMode.disable()) {
          assertArrayEquals(model.forward(x).toFloatArray(), loaded.forward(x).toFloatArray(), 0f);
        }
      }
    }
  }

  private static Sequential cnn() {
    Generator.manualSeed(5);
    return new Sequential(new Conv2d(2, 4, 3, ConvOptions.padding(1)), new ReLU(), new Conv2d(4, 3, 3), new Flatten(),
        new Linear(3 * 4 * 4, 1));
  }
}
