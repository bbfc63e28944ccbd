package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.optim.GradScaler;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Trainer.mixedPrecision(BFLOAT16): the epoch losses follow the float32 run's within bfloat16's precision (2^-8
 * relatively, plus 0.002 for the drift of 8 epochs) without being equal to them, the model learns, parameters stay
 * float32, evaluate and predict work and predict's outputs are float32; float16 trains with a GradScaler (within
 * 2^-10 relatively, float16 keeping 3 more bits than bfloat16), skips the steps whose gradients overflow and resumes
 * from a checkpoint bit for bit, scaler included; float16 without a scaler and other types are refused with the
 * reason, and so is the pair with cudaGraphs.
 */
class TrainerMixedPrecisionTest {
  @ParameterizedTest(name = "on {0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void bfloat16TrainsLikeFloat32(TestDevice device) {
    List<Double> fp32 = fit(device, DType.FLOAT32), bf16 = fit(device, DType.BFLOAT16);
    assertFollows(fp32, bf16, 0x1p-8, "bfloat16");
    assertTrue(bf16.get(bf16.size() - 1) < 0.6 * bf16.get(0), "bfloat16 training learns: " + bf16);
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void float16WithAScalerTrainsLikeFloat32(TestDevice device) {
    List<Double> fp32 = fit(device, DType.FLOAT32), fp16 = fit(device, DType.FLOAT16);
    assertFollows(fp32, fp16, 0x1p-10, "float16");
  }

  // Each epoch's loss within `relative` of float32's plus 0.002 (the drift of 8 epochs), and not equal to it.
  private static void assertFollows(List<Double> fp32, List<Double> half, double relative, String name) {
    assertNotEquals(fp32, half, name + " must change the arithmetic, or mixed precision did nothing");
    for (int i = 0; i < fp32.size(); i++) {
      assertEquals(fp32.get(i), half.get(i), relative * fp32.get(i) + 0.002, "epoch " + i + ": " + fp32 + " vs " + half);
    }
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void stepsWhoseFloat16GradientsOverflowAreSkippedAndTheScaleBacksOff(TestDevice device) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Generator.manualSeed(3);
      ArrayDataset data = TrainerTestData.blobs(256, 5);
      // 2^40 times a gradient overflows float16 (largest finite 65504) at once: steps are skipped and the scale halved
      // until the scaled gradients fit, then training proceeds
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01);
          GradScaler scaler = new GradScaler(device.device(), 0x1p40, 2, 0.5, 2000)) {
        Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(4).batchSize(32).seed(1)
            .mixedPrecision(DType.FLOAT16, scaler);
        History h = t.fit(data, null);
        long skipped = scaler.skippedSteps();
        assertTrue(skipped >= 10, "skipped " + skipped);
        assertEquals(0x1p40 / Math.pow(2, skipped), scaler.scaleValue(), "halved once per skipped step");
        assertEquals(4 * 8 - skipped, adam.steps(0), "only the steps taken are counted");
        assertTrue(h.get("loss").get(3) < h.get("loss").get(0), "training proceeds: " + h.get("loss"));
        assertEquals((double) skipped, h.get("skipped_steps").get(3), "the epoch logs show the skipped steps");
        assertEquals(scaler.scaleValue(), h.get("loss_scale").get(3), "and the scale");
      }
    }
  }

  @Test
  void aFloat16RunResumesBitForBitWithItsScaler(@TempDir Path dir) throws IOException {
    List<Double> whole;
    float[] wholeWeights;
    Path checkpoint = dir.resolve("half.safetensors");
    try (TensorScope s = new TensorScope()) {
      ArrayDataset data = TrainerTestData.blobs(256, 5);
      Generator.manualSeed(3);
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01);
          GradScaler scaler = new GradScaler(Device.cpu(), 0x1p20, 2, 0.5, 3)) {
        whole = new Trainer(model, adam, new CrossEntropyLoss()).epochs(4).batchSize(32).seed(1)
            .mixedPrecision(DType.FLOAT16, scaler).fit(data, null).get("loss");
        wholeWeights = model.parameters().get(0).toFloatArray();
      }
      Generator.manualSeed(3);
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01);
          GradScaler scaler = new GradScaler(Device.cpu(), 0x1p20, 2, 0.5, 3)) {
        Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(32).seed(1)
            .mixedPrecision(DType.FLOAT16, scaler);
        t.fit(data, null);
        TrainingCheckpoint.save(t, checkpoint);
      }
      Generator.manualSeed(99);  // the checkpoint restores the generator
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01);
          GradScaler scaler = new GradScaler(Device.cpu(), 0x1p20, 2, 0.5, 3)) {
        Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(4).batchSize(32).seed(1)
            .mixedPrecision(DType.FLOAT16, scaler).resume(checkpoint);
        assertEquals(whole, t.fit(data, null).get("loss"));
        assertArrayEquals(wholeWeights, model.parameters().get(0).toFloatArray());
      }
      // a trainer without a scaler cannot take the checkpoint's scaled run over
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
        Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(4).batchSize(32).seed(1);
        IOException e = assertThrows(IOException.class, () -> t.resume(checkpoint));
        assertTrue(e.getMessage().contains("GradScaler"), e.getMessage());
      }
    }
  }

  private static List<Double> fit(TestDevice device, DType precision) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Generator.manualSeed(3);
      ArrayDataset data = TrainerTestData.blobs(256, 5);
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01);
          // a scale of 2^10 keeps this small model's scaled gradients finite: no step is skipped, so the runs differ by
          // float16's roundings alone (PyTorch's 2^16 overflows its first steps, which the next test covers)
          GradScaler scaler = precision == DType.FLOAT16 ? new GradScaler(device.device(), 1024, 2, 0.5, 2000) : null) {
        Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(8).batchSize(32).seed(1)
            .mixedPrecision(precision, scaler);
        History h = t.fit(data, data);
        if (scaler != null) assertEquals(0, scaler.skippedSteps(), "no step skipped");
        for (Tensor p : model.parameters()) assertSame(DType.FLOAT32, p.dtype(), "master weights stay float32");
        Tensor x = Tensor.of(new float[] {5, 5, 5, 5, 1, 9, 3, 7}, 2, 4);
        assertSame(DType.FLOAT32, t.predict(x).dtype(), "predict's outputs are float32");
        assertTrue(h.get("val_loss").get(7) < h.get("val_loss").get(0), "evaluation runs: " + h.get("val_loss"));
        return h.get("loss");
      }
    }
  }

  @Test
  void float16WithoutAScalerAndOtherTypesAreRefusedWithTheReason() {
    try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.mixedPrecision(DType.FLOAT16));
      assertTrue(e.getMessage().contains("loss scaling") && e.getMessage().contains("new GradScaler"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> t.mixedPrecision(DType.FLOAT16, null));
      assertTrue(e.getMessage().contains("needs a GradScaler"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> t.mixedPrecision(DType.INT32));
      assertTrue(e.getMessage().contains("int32"), e.getMessage());
    }
  }

  @Test
  void cudaGraphsAndMixedPrecisionAreNotCombinedYet() {
    try (Device.DefaultScope on = TestDevice.CUDA_EMU.use(); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.01)) {
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).cudaGraphs(true).mixedPrecision(DType.BFLOAT16);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> t.fit(TrainerTestData.blobs(64, 1), null));
      assertTrue(e.getMessage().contains("cudaGraphs") && e.getMessage().contains("bfloat16"), e.getMessage());
    }
  }
}
