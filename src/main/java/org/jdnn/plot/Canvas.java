package org.jdnn.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * The Java2D pieces the hand-drawn pictures share: a white image with antialiased text, the three
 * fonts, centred strings and a labelled vertical colour bar. Package-private: each picture class
 * owns its layout.
 */
final class Canvas {
  static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
  static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
  static final int PAD = 12;
  static final int BAR = 14;

  private static final BufferedImage PROBE = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);

  private Canvas() {}

  /** A font's metrics, for measuring before the image exists. */
  static synchronized FontMetrics metrics(Font font) {
    Graphics2D g = PROBE.createGraphics();
    try {
      return g.getFontMetrics(font);
    } finally {
      g.dispose();
    }
  }

  /** A white RGB image of the given size and its graphics, text antialiased. */
  static Graphics2D white(BufferedImage img) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.BLACK);
    return g;
  }

  /** Draws {@code s} centred on x with its baseline at y. */
  static void centred(Graphics2D g, String s, int x, int baseline) {
    g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, baseline);
  }

  /** The width a colour bar with these end labels takes, bar included. */
  static int barWidth(String... labels) {
    FontMetrics fm = metrics(SMALL);
    int w = 0;
    for (String s : labels) w = Math.max(w, fm.stringWidth(s));
    return BAR + 4 + w;
  }

  /**
   * A vertical colour bar at (x, y), {@code height} pixels tall: the top row shows {@code colour}
   * of 1, the bottom row of 0; labels at the top, middle and bottom (a null middle is left out).
   */
  static void colourBar(Graphics2D g, int x, int y, int height, DoubleFunction<Color> colour, String top, String middle,
      String bottom) {
    for (int r = 0; r < height; r++) {
      g.setColor(colour.apply(1 - (double) r / Math.max(1, height - 1)));
      g.drawLine(x, y + r, x + BAR - 1, y + r);
    }
    g.setColor(Color.GRAY);
    g.drawRect(x, y, BAR - 1, height - 1);
    g.setColor(Color.BLACK);
    g.setFont(SMALL);
    FontMetrics fm = g.getFontMetrics();
    g.drawString(top, x + BAR + 4, y + fm.getAscent());
    if (middle != null) g.drawString(middle, x + BAR + 4, y + (height + fm.getAscent()) / 2);
    g.drawString(bottom, x + BAR + 4, y + height);
  }

  /** A number short enough for a tick or a bar label: 4 significant digits. */
  static String number(double v) {
    if (v == 0) return "0";
    double a = Math.abs(v);
    if (a >= 1e-3 && a < 1e5) {
      String s = String.format(Locale.ROOT, "%.4g", v);
      if (s.contains(".") && !s.contains("e")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
      return s;
    }
    return String.format(Locale.ROOT, "%.2e", v);
  }
}
