package org.jdnn.plot;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * First-layer weights as a PNG grid: each row of a Linear weight (out, in) becomes an image (in
 * must be a square number, e.g. 784 = 28 x 28, or the tile size is given), and each filter of a
 * convolution weight (out, in, kh, kw) becomes a kh x kw tile (RGB when in = 3, else the mean over
 * input channels). Colours are diverging per tile: blue negative, white zero, red positive, scaled by
 * the tile's largest magnitude, so the sign structure a unit learned stays visible.
 */
public final class WeightGrid {
  private static final int GAP = 2;

  private WeightGrid() {}

  /**
   * Writes the tiles of {@code weight} to {@code png}, atomically, with tiles inferred from the
   * shape as {@link #render(Tensor, int)} does.
   *
   * @param weight a Linear (out, in) weight with a square {@code in}, or a convolution (out, in, kh,
   *     kw) weight, on any device (copied to the host); not changed
   * @param png the file to create or replace; its directory is created when missing
   * @param scale how many pixels each weight becomes on a side, in [1, 64]
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when the shape cannot be cut into tiles or the scale is out
   *     of range
   */
  public static void save(Tensor weight, Path png, int scale) throws IOException {
    Png.write(render(weight, scale), png);
  }

  /**
   * Renders with tiles inferred from the shape (square rows for Linear, kh x kw for convolutions).
   *
   * @param weight a Linear (out, in) weight with a square {@code in}, or a convolution (out, in, kh,
   *     kw) weight; not changed
   * @param scale how many pixels each weight becomes on a side, in [1, 64]
   * @return a new RGB image: one tile per output unit, in a near-square grid
   * @throws IllegalArgumentException when the weight is not of rank 2 or 4, a Linear row is not
   *     square, or the scale is out of range
   */
  public static BufferedImage render(Tensor weight, int scale) {
    if (weight.rank() == 2) {
      int side = (int) Math.round(Math.sqrt(weight.dim(1)));
      if ((long) side * side != weight.dim(1)) {
        throw new IllegalArgumentException("WeightGrid: Linear rows of " + weight.dim(1) + " inputs are not square; use render(w, h, w, scale)");
      }
      return render(weight, side, side, scale);
    }
    if (weight.rank() == 4) return render(weight, (int) weight.dim(2), (int) weight.dim(3), scale);
    throw new IllegalArgumentException("WeightGrid: expected a Linear (out, in) or conv (out, in, kh, kw) weight, got " + weight.describe());
  }

  /**
   * Renders {@code weight}'s first dimension as tiles of {@code tileH} x {@code tileW} pixels, each
   * enlarged {@code scale} times.
   *
   * @param weight a tensor whose first dimension counts the tiles; not changed
   * @param tileH a tile's height in weights
   * @param tileW a tile's width in weights; tileH x tileW must divide each unit's weights (equal
   *     them for a rank-2 weight)
   * @param scale how many pixels each weight becomes on a side, in [1, 64]
   * @return a new RGB image
   * @throws IllegalArgumentException when the weight cannot be cut into such tiles or the scale is
   *     out of range
   */
  public static BufferedImage render(Tensor weight, int tileH, int tileW, int scale) {

    if (scale < 1 || scale > 64) throw new IllegalArgumentException("WeightGrid: scale must be in [1, 64], got " + scale);
    int n = (int) weight.dim(0);
    long per = weight.numel() / Math.max(1, n);
    int channels = weight.rank() == 4 && weight.dim(1) == 3 ? 3 : 1;
    long inner = (long) tileH * tileW;
    if (n == 0 || per % inner != 0 || (weight.rank() == 2 && per != inner)) {
      throw new IllegalArgumentException("WeightGrid: cannot cut " + weight.describe() + " into " + tileH + "x" + tileW + " tiles");
    }
    int inputs = (int) (per / inner);
    double[] w;
    try (Tensor d = weight.to(DType.FLOAT64)) {
      w = d.toDoubleArray();
    }
    int cols = (int) Math.ceil(Math.sqrt(n));
    int rows = (n + cols - 1) / cols;
    int cellW = tileW * scale + GAP;
    int cellH = tileH * scale + GAP;
    BufferedImage img = new BufferedImage(cols * cellW + GAP, rows * cellH + GAP, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, 0x404040);
    for (int t = 0; t < n; t++) {
      int base = (int) (t * per);
      double max = 1e-12;
      for (int i = 0; i < per; i++) max = Math.max(max, Math.abs(w[base + i]));
      for (int py = 0; py < tileH; py++) {
        for (int px = 0; px < tileW; px++) {
          int rgb = channels == 3 ? rgbPixel(w, base, (int) inner, py * tileW + px, max)
              : diverging(mean(w, base, (int) inner, inputs, py * tileW + px) / max);
          fill(img, GAP + (t % cols) * cellW + px * scale, GAP + (t / cols) * cellH + py * scale, scale, rgb);
        }
      }
    }
    return img;
  }

  private static double mean(double[] w, int base, int inner, int inputs, int pixel) {
    double s = 0;
    for (int c = 0; c < inputs; c++) s += w[base + c * inner + pixel];
    return s / inputs;
  }

  private static int rgbPixel(double[] w, int base, int inner, int pixel, double max) {
    int rgb = 0;
    for (int c = 0; c < 3; c++) rgb = rgb << 8 | (int) Math.round((w[base + c * inner + pixel] / max + 1) * 127.5);
    return rgb;
  }

  // v in [-1, 1]: blue (-1) through white (0) to red (1).
  private static int diverging(double v) {
    int fade = (int) Math.round(255 * (1 - Math.min(1, Math.abs(v))));
    return v >= 0 ? 0xff0000 | fade << 8 | fade : fade << 16 | fade << 8 | 0xff;
  }

  private static void fill(BufferedImage img, int x0, int y0, int scale, int rgb) {
    for (int y = 0; y < scale; y++) for (int x = 0; x < scale; x++) img.setRGB(x0 + x, y0 + y, rgb);
  }
}
