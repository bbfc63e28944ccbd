package org.jdnn.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotTest {
  @TempDir Path dir;

  @Test
  void trainingCurvesPngDecodesAtTheRequestedSize() throws IOException {
    History h = new History();
    for (int e = 0; e < 8; e++) {
      h.record(Map.of("loss", 1.0 / (e + 1), "accuracy", 0.5 + 0.05 * e, "val_loss", 1.2 / (e + 1), "val_accuracy", 0.45 + 0.05 * e));
    }
    Path png = dir.resolve("curves.png");
    TrainingCurves.save(h, png, 1000, 400);
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "decodes as an image");
    assertEquals(1000, img.getWidth());
    assertEquals(400, img.getHeight());
    assertThrows(IllegalArgumentException.class, () -> TrainingCurves.render(new History(), 1000, 400));
  }

  @Test
  void weightGridHasOneTilePerUnit() throws IOException {
    try (TensorScope s = new TensorScope()) {
      Tensor linear = Tensor.empty(DType.FLOAT32, 10, 784);
      new Generator(1).normal(linear, 0, 1);
      Path png = dir.resolve("weights.png");
      WeightGrid.save(linear, png, 2);
      BufferedImage img = ImageIO.read(png.toFile());
      // 10 tiles: 4 columns x 3 rows of (28 * 2 + 2) pixels plus the outer gap
      assertEquals(4 * 58 + 2, img.getWidth());
      assertEquals(3 * 58 + 2, img.getHeight());
      Tensor conv = Tensor.empty(DType.FLOAT32, 8, 3, 5, 5);
      new Generator(2).normal(conv, 0, 1);
      BufferedImage c = WeightGrid.render(conv, 4);
      assertEquals(3 * 22 + 2, c.getWidth());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightGrid.render(Tensor.zeros(3, 10), 1));
      assertEquals("WeightGrid: Linear rows of 10 inputs are not square; use render(w, h, w, scale)", e.getMessage());
    }
  }
}
