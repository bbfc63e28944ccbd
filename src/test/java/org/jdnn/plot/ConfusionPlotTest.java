package org.jdnn.plot;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.ConfusionMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfusionPlotTest {
  @TempDir Path dir;

  @Test
  void pngDecodesWithTheGridAndIsNotBlank() throws IOException {
    ConfusionMatrix cm = new ConfusionMatrix(3);
    try (TensorScope s = new TensorScope()) {
      cm.update(Tensor.of(new float[] {5, 0, 0, 0, 0, 5, 0, 5, 0, 5, 0, 0}, 4, 3), Tensor.ofInts(new int[] {0, 1, 2, 0}));
    }
    for (int k = 0; k < 20; k++) cm.add(0, 0); // a dark cell for the colour scale
    Path png = dir.resolve("cm.png");
    List<String> names = List.of("T-shirt/top", "Trouser", "Pullover");
    ConfusionPlot.save(cm, names, png, 40);
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "decodes as an image");
    BufferedImage drawn = ConfusionPlot.render(cm, names, 40);
    assertEquals(drawn.getWidth(), img.getWidth());
    assertEquals(drawn.getHeight(), img.getHeight());
    assertTrue(img.getWidth() > 3 * 40 && img.getHeight() > 3 * 40, img.getWidth() + "x" + img.getHeight());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 2) for (int x = 0; x < img.getWidth(); x += 2) colours.add(img.getRGB(x, y) & 0xffffff);
    assertTrue(colours.size() > 20, "a heat map, text and a colour bar, not a blank image: " + colours.size() + " colours");
    assertTrue(colours.contains(0x08306b), "the darkest blue for the largest count");
    assertRejected("ConfusionPlot: the matrix has no class count yet", () -> ConfusionPlot.render(new ConfusionMatrix(), null, 40));
    assertRejected("expected 3 class names, got 1", () -> ConfusionPlot.render(cm, List.of("x"), 40));
    assertRejected("cell must be in [16, 256]", () -> ConfusionPlot.render(cm, null, 8));
  }
}
