package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.GradClip;
import org.jdnn.optim.GradScaler;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Trainer.gradientClipping: the optimizer steps with the clipped gradients, on cpu and cuda-emu. */
class GradientClippingTest {
  private static final double LR = 0.5;

  private static Device device(String name) {
    return name.equals("cpu") ? Device.cpu() : Device.cudaEmulated();
  }

  // Parameters after one full-batch SGD step, taken by the trainer with the given clipping.
  private static List<float[]> trainerStep(Device dev, ArrayDataset data, GradientClipping clipping) {
    Generator.manualSeed(7);
    try (Layer m = TrainerTestData.mlp().to(dev); SGD sgd = new SGD(m.parameters(), LR)) {
      new Trainer(m, sgd, new CrossEntropyLoss()).epochs(1).batchSize(data.size()).shuffle(false).messages(null)
          .gradientClipping(clipping).fit(data, null);
      return values(m.parameters());
    }
  }

  // The same step by hand: backward, GradClip, step.
  private static List<float[]> handStep(Device dev, ArrayDataset data, boolean byNorm, double limit, List<float[]> before) {
    Generator.manualSeed(7);
    try (Layer m = TrainerTestData.mlp().to(dev); SGD sgd = new SGD(m.parameters(), LR); TensorScope s = new TensorScope()) {
      before.addAll(values(m.parameters()));
      sgd.zeroGrad();
      new CrossEntropyLoss().compute(m.forward(data.features().to(dev)), data.targets().to(dev)).backward();
      if (byNorm) GradClip.byNorm(m.parameters(), limit);
      else GradClip.byValue(m.parameters(), limit);
      sgd.step();
      return values(m.parameters());
    }
  }

  private static List<float[]> values(List<Tensor> params) {
    List<float[]> out = new ArrayList<>();
    for (Tensor p : params) out.add(p.toFloatArray());
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "cuda-emu"})
  void theStepUsesGradientsClippedByNorm(String name) {
    Device dev = device(name);
    try (ArrayDataset data = TrainerTestData.blobs(40, 3)) {
      List<float[]> before = new ArrayList<>();
      List<float[]> expected = handStep(dev, data, true, 0.01, before);
      List<float[]> clipped = trainerStep(dev, data, GradientClipping.byNorm(0.01));
      List<float[]> unclipped = trainerStep(dev, data, null);
      double updateNorm = 0;
      boolean differs = false;
      for (int i = 0; i < before.size(); i++) {
        assertArrayEquals(expected.get(i), clipped.get(i), 1e-6f, "parameter " + i);
        differs |= !Arrays.equals(clipped.get(i), unclipped.get(i));
        for (int k = 0; k < before.get(i).length; k++) updateNorm += Math.pow((before.get(i)[k] - clipped.get(i)[k]) / LR, 2);
      }
      assertTrue(differs, "without clipping the step is another one");
      assertEquals(0.01, Math.sqrt(updateNorm), 1e-4, "the step's gradient has the clipped norm");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "cuda-emu"})
  void theStepUsesGradientsClippedByValue(String name) {
    Device dev = device(name);
    try (ArrayDataset data = TrainerTestData.blobs(40, 3)) {
      List<float[]> before = new ArrayList<>();
      List<float[]> expected = handStep(dev, data, false, 1e-3, before);
      List<float[]> clipped = trainerStep(dev, data, GradientClipping.byValue(1e-3));
      double largest = 0;
      for (int i = 0; i < before.size(); i++) {
        assertArrayEquals(expected.get(i), clipped.get(i), 1e-6f, "parameter " + i);
        for (int k = 0; k < before.get(i).length; k++) largest = Math.max(largest, Math.abs(before.get(i)[k] - clipped.get(i)[k]) / LR);
      }
      assertEquals(1e-3, largest, 1e-5, "some gradient element was at least the limit, and none passes it");
    }
  }

  @Test
  void underLossScalingTheTrueGradientsAreClipped() {
    try (ArrayDataset data = TrainerTestData.blobs(40, 3)) {
      List<float[]> byHand;
      List<float[]> before = new ArrayList<>();
      Generator.manualSeed(7);
      try (Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), LR);
          GradScaler scaler = new GradScaler(Device.cpu(), 1024, 2, 0.5, 2000); TensorScope s = new TensorScope()) {
        before.addAll(values(m.parameters()));
        sgd.zeroGrad();
        Tensor loss;
        try (Autocast.Scope half = Autocast.scope(DType.FLOAT16)) {
          loss = new CrossEntropyLoss().compute(m.forward(data.features()).to(DType.FLOAT32), data.targets());
        }
        scaler.scale(loss).backward();
        scaler.unscale(sgd);
        GradClip.byNorm(m.parameters(), 0.01);
        scaler.step(sgd);
        scaler.update();
        byHand = values(m.parameters());
      }
      Generator.manualSeed(7);
      try (Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), LR);
          GradScaler scaler = new GradScaler(Device.cpu(), 1024, 2, 0.5, 2000)) {
        new Trainer(m, sgd, new CrossEntropyLoss()).epochs(1).batchSize(data.size()).shuffle(false).messages(null)
            .mixedPrecision(DType.FLOAT16, scaler).gradientClipping(GradientClipping.byNorm(0.01)).fit(data, null);
        List<float[]> trained = values(m.parameters());
        double updateNorm = 0;
        for (int i = 0; i < before.size(); i++) {
          assertArrayEquals(byHand.get(i), trained.get(i), 1e-6f, "parameter " + i);
          for (int k = 0; k < before.get(i).length; k++) updateNorm += Math.pow((before.get(i)[k] - trained.get(i)[k]) / LR, 2);
        }
        // clipped after unscaling: the step is 0.01 long, not 0.01 / 1024 (clipping the scaled gradients)
        assertEquals(0.01, Math.sqrt(updateNorm), 1e-4);
      }
    }
  }

  @Test
  void badLimitsAndCudaGraphsAreRefused() {
    assertRejected("GradientClipping.byNorm: maxNorm must be finite and > 0, got 0.0", () -> GradientClipping.byNorm(0));
    assertRejected("GradientClipping.byValue: clipValue must be finite and > 0, got NaN", () -> GradientClipping.byValue(Double.NaN));
    Device emu = Device.cudaEmulated();
    try (Layer m = TrainerTestData.mlp().to(emu); SGD sgd = new SGD(m.parameters(), LR); ArrayDataset data = TrainerTestData.blobs(8, 1)) {
      Trainer t = new Trainer(m, sgd, new CrossEntropyLoss()).cudaGraphs(true).gradientClipping(GradientClipping.byNorm(1))
          .messages(null);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(data, null));
      assertTrue(e.getMessage().contains("cudaGraphs(true) and gradientClipping(..) cannot be combined"), e.getMessage());
    }
  }
}
