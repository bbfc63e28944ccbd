package org.jdnn.debug;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.Set;

/** What the tests check of a written picture beyond its size. */
final class PngChecks {
  private PngChecks() {}

  /** The number of distinct colours: 1 for a blank image, dozens for a chart with text and lines. */
  static int colours(BufferedImage img) {
    Set<Integer> seen = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) seen.add(img.getRGB(x, y));
    return seen.size();
  }
}
