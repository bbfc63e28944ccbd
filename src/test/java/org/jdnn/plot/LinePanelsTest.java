package org.jdnn.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LinePanels: panels side by side at the requested size, log axes that skip what they cannot place, refusals. */
class LinePanelsTest {
  @TempDir Path dir;

  private static int colours(BufferedImage img, int x0, int x1) {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) for (int x = x0; x < x1; x++) seen.add(img.getRGB(x, y));
    return seen.size();
  }

  @Test
  void twoLogPanelsDecodeAtTheRequestedSizeWithSomethingDrawnInEach() throws IOException {
    double[] x = {1, 2, 3, 4, 5};
    // 0, a negative value and a NaN cannot sit on a log axis: left out, the rest drawn
    LinePanels.Panel left = new LinePanels.Panel("norms", "step", "norm", false, true,
        List.of(new LinePanels.Series("a", x, new double[] {1, 0.1, 0, -1, Double.NaN}),
            new LinePanels.Series("b", x, new double[] {1e-3, 1e-4, 1e-5, 1e-6, 1e-7})), Double.NaN, "");
    LinePanels.Panel right = new LinePanels.Panel("loss", "rate", "loss", true, false,
        List.of(new LinePanels.Series("loss", new double[] {1e-4, 1e-3, 1e-2, 1e-1, 1}, new double[] {2, 1.8, 1, 0.7, 3})), 1e-3, "suggested");
    Path png = dir.resolve("panels.png");
    LinePanels.save(List.of(left, right), png, 1000, 400);
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img);
    assertEquals(1000, img.getWidth());
    assertEquals(400, img.getHeight());
    assertTrue(colours(img, 0, 500) > 10 && colours(img, 500, 1000) > 10, "both panels are drawn");
  }

  @Test
  void nothingToDrawAndBadSizesAreRefused() {
    LinePanels.Panel empty = new LinePanels.Panel("t", "x", "y", false, true,
        List.of(new LinePanels.Series("s", new double[] {1, 2}, new double[] {0, -1})), Double.NaN, "");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinePanels.render(List.of(empty), 400, 300));
    assertTrue(e.getMessage().startsWith("LinePanels: no panel has a point to draw"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LinePanels.render(List.of(), 400, 300));
    assertThrows(IllegalArgumentException.class, () -> LinePanels.render(List.of(empty), 100, 300));
    IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
        () -> new LinePanels.Series("s", new double[] {1}, new double[] {1, 2}));
    assertEquals("LinePanels.Series 's': 1 x values but 2 y values; give one y per x", lengths.getMessage());
  }
}
