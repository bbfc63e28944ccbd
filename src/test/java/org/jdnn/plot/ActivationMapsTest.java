package org.jdnn.plot;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.jdnn.plot.PlotTest.assertNotBlank;
import static org.jdnn.plot.PlotTest.count;
import static org.jdnn.plot.PlotTest.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Activation maps on every device: one panel per convolution, colours scaled per layer, the model left as it was. */
@EveryDevice
class ActivationMapsTest {
  @TempDir Path dir;

  @Test
  void eachConvolutionGetsAPanelScaledToItsRange() throws IOException {
    // conv1: channel 0 is the constant 1 (zero weights, bias 1), channel 1 is ReLU(-1) = 0: a yellow and a dark tile
    Conv2d conv1 = new Conv2d(1, 2, 3);
    Conv2d conv2 = new Conv2d(2, 3, 3);
    try (Layer model = new Sequential(new Sequential(conv1, new ReLU()), new MaxPool2d(2), conv2, new Flatten(),
        new Linear(3, 2)); TensorScope s = new TensorScope()) {
      conv1.weight().write(new float[18]);
      conv1.bias().write(new float[] {1, -1});
      Tensor image = Tensor.empty(DType.FLOAT32, 1, 8, 8);
      new Generator(4).normal(image, 0, 1);
      model.train();
      BufferedImage img = ActivationMaps.render(model, image, 16);
      assertTrue(model.isTraining(), "training mode restored");
      assertNotBlank(img);
      // conv1's 6 x 6 maps are enlarged to 60 x 60: channel 0 at the top of the range, channel 1 at its bottom
      int yellow = Palette.sequential(1).getRGB();
      int dark = Palette.sequential(0).getRGB();
      assertTrue(count(img, yellow) >= 3600, "channel 0 all at the maximum: " + count(img, yellow));
      assertTrue(count(img, dark) >= 3600, "channel 1 all at the minimum: " + count(img, dark));
      Path png = dir.resolve("maps.png");
      ActivationMaps.save(model, image.reshape(1, 1, 8, 8), png, 1);
      BufferedImage one = read(png);
      assertTrue(one.getHeight() < img.getHeight() + 1, "one channel per layer is no taller");
      assertEquals(img.getHeight(), ActivationMaps.render(model, image, 16).getHeight(), "the same picture twice");
    }
  }

  @Test
  void convolutionsInsideAnyContainerAreShownInCallOrder() {
    try (Layer model = new Sequential(new Conv2d(1, 2, 3), new ReLU(),
        new Residual(new Sequential(new Conv2d(2, 2, 3, ConvOptions.same()), new BatchNorm2d(2), new ReLU())),
        new MaxPool2d(2), new Flatten(), new Linear(2 * 3 * 3, 2)); TensorScope s = new TensorScope()) {
      Tensor image = Tensor.empty(DType.FLOAT32, 1, 8, 8);
      new Generator(5).normal(image, 0, 1);
      assertEquals(List.of("input, 1 x 8 x 8", "0: Conv2d -> ReLU, 2 x 6 x 6", "2.inner.0: Conv2d -> BatchNorm2d -> ReLU, 2 x 6 x 6"),
          ActivationMaps.headings(model, image), "the Residual block's convolution is entered");
      for (Layer l : all(model)) assertFalse(l.hasHooks(), "no hook stays behind on " + l.describe());
    }
  }

  private static List<Layer> all(Layer l) {
    List<Layer> out = new ArrayList<>(List.of(l));
    for (Layer c : l.children().values()) out.addAll(all(c));
    return out;
  }

  @Test
  void refusesWhatItCannotShow() {
    try (Layer mlp = new Sequential(new Flatten(), new Linear(4, 2)); Layer cnn = new Sequential(new Conv2d(1, 1, 1));
        TensorScope s = new TensorScope()) {
      Tensor image = Tensor.zeros(1, 2, 2);
      assertRejected("ActivationMaps: the model has no Conv2d layer to show", () -> ActivationMaps.render(mlp, image, 4));
      assertRejected("expected one image (C, H, W) or (1, C, H, W), got", () -> ActivationMaps.render(cnn, Tensor.zeros(2, 1, 2, 2), 4));
      assertRejected("maxChannels must be in [1, 256], got 0", () -> ActivationMaps.render(cnn, image, 0));
    }
  }
}
