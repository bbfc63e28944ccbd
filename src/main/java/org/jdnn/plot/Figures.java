package org.jdnn.plot;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Joining pictures and writing them: several renders side by side in one PNG (decision regions
 * of three models, say), written atomically like every jdnn file.
 *
 * <pre>{@code
 * Figures.save(Figures.row(a.render(360, 360), b.render(360, 360)), Path.of("compare.png"));
 * }</pre>
 */
public final class Figures {
  private Figures() {}

  /**
   * Places images left to right on white, tops aligned.
   *
   * @param images at least one image
   * @return a new RGB image as wide as their sum and as tall as the tallest
   * @throws IllegalArgumentException when no image is given
   */
  public static BufferedImage row(BufferedImage... images) {
    if (images.length == 0) throw new IllegalArgumentException("Figures.row: give at least one image");
    int width = 0, height = 0;
    for (BufferedImage i : images) {
      width += i.getWidth();
      height = Math.max(height, i.getHeight());
    }
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.white(out);
    int x = 0;
    for (BufferedImage i : images) {
      g.drawImage(i, x, 0, null);
      x += i.getWidth();
    }
    g.dispose();
    return out;
  }

  /**
   * Writes {@code image} as a PNG, atomically.
   *
   * @param image the picture
   * @param png the file to create or replace; its directory is created when missing
   * @throws IOException when the file cannot be written
   */
  public static void save(BufferedImage image, Path png) throws IOException {
    Png.write(image, png);
  }
}
