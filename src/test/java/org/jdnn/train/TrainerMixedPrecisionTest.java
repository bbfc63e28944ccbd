package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Trainer.mixedPrecision(BFLOAT16): the epoch losses follow the float32 run's within bfloat16's precision (2^-8
 * relatively, plus 0.002 for the drift of 8 epochs) without being equal to them, the model learns, parameters stay
 * float32, evaluate and predict work and predict's outputs are float32; float16 and other types are refused with the
 * reason, and so is the pair with cudaGraphs.
 */
class TrainerMixedPrecisionTest {
  @ParameterizedTest(name = "on {0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void bfloat16TrainsLikeFloat32(TestDevice device) {
    List<Double> fp32 = fit(device, DType.FLOAT32), bf16 = fit(device, DType.BFLOAT16);
    assertNotEquals(fp32, bf16, "bfloat16 must change the arithmetic, or mixed precision did nothing");
    for (int i = 0; i < fp32.size(); i++) {
      assertEquals(fp32.get(i), bf16.get(i), 0x1p-8 * fp32.get(i) + 0.002, "epoch " + i + ": " + fp32 + " vs " + bf16);
    }
    assertTrue(bf16.get(bf16.size() - 1) < 0.6 * bf16.get(0), "bfloat16 training learns: " + bf16);
  }

  private static List<Double> fit(TestDevice device, DType precision) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Generator.manualSeed(3);
      ArrayDataset data = TrainerTestData.blobs(256, 5);
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
        Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(8).batchSize(32).seed(1)
            .mixedPrecision(precision);
        History h = t.fit(data, data);
        for (Tensor p : model.parameters()) assertSame(DType.FLOAT32, p.dtype(), "master weights stay float32");
        Tensor x = Tensor.of(new float[] {5, 5, 5, 5, 1, 9, 3, 7}, 2, 4);
        assertSame(DType.FLOAT32, t.predict(x).dtype(), "predict's outputs are float32");
        assertTrue(h.get("val_loss").get(7) < h.get("val_loss").get(0), "evaluation runs: " + h.get("val_loss"));
        return h.get("loss");
      }
    }
  }

  @Test
  void float16AndOtherTypesAreRefusedWithTheReason() {
    try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.mixedPrecision(DType.FLOAT16));
      assertTrue(e.getMessage().contains("loss scaling") && e.getMessage().contains("BFLOAT16"), e.getMessage());
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
