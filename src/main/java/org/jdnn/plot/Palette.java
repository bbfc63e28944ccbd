package org.jdnn.plot;

import java.awt.Color;

/**
 * The colour maps of the pictures: diverging (signed weights), sequential (activations) and one
 * colour per class (decision regions).
 */
final class Palette {
  // dark blue, teal, green, yellow: dark means low, light means high, readable in grey print too
  private static final int[][] SEQUENTIAL = {{30, 20, 90}, {40, 100, 150}, {50, 160, 120}, {170, 210, 60}, {250, 240, 60}};
  private static final Color[] CLASSES = {
      new Color(31, 100, 180), new Color(230, 110, 20), new Color(40, 150, 50), new Color(200, 40, 40),
      new Color(130, 90, 190), new Color(140, 85, 75), new Color(220, 100, 180), new Color(110, 110, 110),
      new Color(180, 180, 30), new Color(20, 180, 200)};

  private Palette() {}

  /** v in [-1, 1] (clamped): blue at -1 through white at 0 to red at 1. */
  static Color diverging(double v) {
    double c = Math.max(-1, Math.min(1, v));
    int fade = (int) Math.round(255 * (1 - Math.abs(c)));
    return c >= 0 ? new Color(255, fade, fade) : new Color(fade, fade, 255);
  }

  /** f in [0, 1] (clamped): dark blue at 0 through green to yellow at 1. */
  static Color sequential(double f) {
    double c = Math.max(0, Math.min(1, f)) * (SEQUENTIAL.length - 1);
    int i = Math.min((int) c, SEQUENTIAL.length - 2);
    double t = c - i;
    int[] a = SEQUENTIAL[i];
    int[] b = SEQUENTIAL[i + 1];
    return new Color(mix(a[0], b[0], t), mix(a[1], b[1], t), mix(a[2], b[2], t));
  }

  /** The colour of class {@code k} (ten colours, repeated after ten classes). */
  static Color of(int k) {
    return CLASSES[Math.floorMod(k, CLASSES.length)];
  }

  /** Class {@code k}'s colour mixed with white: its region's shade. */
  static Color region(int k) {
    Color c = of(k);
    double t = 0.3;
    return new Color(mix(255, c.getRed(), t), mix(255, c.getGreen(), t), mix(255, c.getBlue(), t));
  }

  private static int mix(int a, int b, double t) {
    return (int) Math.round(a + (b - a) * t);
  }
}
