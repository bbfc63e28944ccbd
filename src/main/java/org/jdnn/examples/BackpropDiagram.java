package org.jdnn.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * BackpropByHand's picture: the 2-2-1 network as the lectures draw it, inputs on the left, each
 * unit a circle holding its output, its delta below it, and each connection labelled with its
 * weight and dE/dw; the error and the checks along the bottom.
 */
final class BackpropDiagram {
  private static final int W = 900;
  private static final int H = 540;
  private static final int R = 38;
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
  private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Color WEIGHT = new Color(40, 40, 40);
  private static final Color GRADIENT = new Color(190, 40, 40);

  private BackpropDiagram() {}

  static BufferedImage render(BackpropByHand.Worked s, BackpropByHand.Report r) {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    int[][] in = {{110, 150}, {110, 330}};
    int[][] hid = {{450, 150}, {450, 330}};
    int[] out = {780, 240};

    // connections first, so the circles cover their ends; the labels of the two crossing connections sit near
    // their inputs, away from the crossing, the others above (upper) or below (lower) their line
    edge(g, in[0], hid[0], s.w1[0], s.gradients[0], 0.5, -1);
    edge(g, in[1], hid[0], s.w1[1], s.gradients[1], 0.3, 0);
    edge(g, in[0], hid[1], s.w1[2], s.gradients[2], 0.3, 0);
    edge(g, in[1], hid[1], s.w1[3], s.gradients[3], 0.5, 1);
    edge(g, hid[0], out, s.w2[0], s.gradients[6], 0.5, -1);
    edge(g, hid[1], out, s.w2[1], s.gradients[7], 0.5, 1);
    for (int j = 0; j < 2; j++) unit(g, in[j], "x" + (j + 1), s.x[j], null, null);
    for (int i = 0; i < 2; i++) {
      unit(g, hid[i], "h" + (i + 1), s.h[i], String.format(Locale.ROOT, "delta = %+.5f", s.delta1[i]),
          String.format(Locale.ROOT, "b = %+.2f, dE/db = %+.5f", s.b1[i], s.gradients[4 + i]));
    }
    unit(g, out, "y", s.y, String.format(Locale.ROOT, "delta = %+.5f", s.delta2),
        String.format(Locale.ROOT, "b = %+.2f, dE/db = %+.5f", s.b2, s.gradients[8]));

    g.setColor(Color.BLACK);
    g.setFont(TITLE);
    g.drawString("One step of backpropagation, by hand (delta rule): a 2-2-1 network of logistic units", 20, 30);
    g.setFont(TEXT);
    g.drawString("In each unit its output; below it its delta = dE/dz. On each connection: the weight (black) and dE/dw (red).",
        20, 52);
    g.drawString(String.format(Locale.ROOT, "E = (y - t)^2 / 2 = %.6f, target t = %.1f.  delta(y) = (y - t) y (1 - y),  "
        + "delta(h) = w delta(y) h (1 - h),  dE/dw = delta times w's input.", s.error, s.t), 20, H - 62);
    g.drawString(String.format(Locale.ROOT, "Autograd (float64) agrees to %.0e; GradCheck (central differences) to %.0e.",
        r.handVsAutograd, r.gradCheck.maxAbsError), 20, H - 40);
    g.drawString(String.format(Locale.ROOT, "One gradient-descent step (learning rate 0.5) takes E from %.6f to %.6f.",
        r.errorBefore, r.errorAfter), 20, H - 18);
    g.dispose();
    return img;
  }

  private static void unit(Graphics2D g, int[] c, String name, double value, String delta, String bias) {
    g.setColor(new Color(235, 242, 252));
    g.fillOval(c[0] - R, c[1] - R, 2 * R, 2 * R);
    g.setColor(new Color(31, 100, 180));
    g.setStroke(new BasicStroke(2));
    g.drawOval(c[0] - R, c[1] - R, 2 * R, 2 * R);
    g.setColor(Color.BLACK);
    g.setFont(TEXT);
    centred(g, name, c[0], c[1] - 4);
    centred(g, String.format(Locale.ROOT, "%.4f", value), c[0], c[1] + 14);
    if (delta != null) {
      g.setColor(GRADIENT);
      centred(g, delta, c[0], c[1] + R + 18);
      centred(g, bias, c[0], c[1] + R + 36);
    }
  }

  /** A connection from a to b, labelled at fraction {@code at} of the way: above it (side -1), on it (0) or below it (1). */
  private static void edge(Graphics2D g, int[] a, int[] b, double weight, double gradient, double at, int side) {
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1.5f));
    g.drawLine(a[0], a[1], b[0], b[1]);
    g.setFont(TEXT);
    int x = (int) Math.round(a[0] + (b[0] - a[0]) * at);
    int y = (int) Math.round(a[1] + (b[1] - a[1]) * at) + (side < 0 ? -24 : side > 0 ? 22 : -4);
    String w = String.format(Locale.ROOT, "w = %+.2f", weight);
    String d = String.format(Locale.ROOT, "dE/dw = %+.5f", gradient);
    FontMetrics fm = g.getFontMetrics();
    int width = Math.max(fm.stringWidth(w), fm.stringWidth(d)) + 6;
    g.setColor(Color.WHITE);
    g.fillRect(x - width / 2, y - fm.getAscent() - 2, width, 2 * fm.getHeight() + 2);
    g.setColor(WEIGHT);
    centred(g, w, x, y);
    g.setColor(GRADIENT);
    centred(g, d, x, y + fm.getHeight());
  }

  private static void centred(Graphics2D g, String s, int x, int y) {
    g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, y);
  }
}
