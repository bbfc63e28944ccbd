package org.jdnn.plot;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Weights as a PNG grid of tiles, one per output unit: each row of a Linear weight (out, in)
 * becomes an image (in a square number, e.g. 784 = 28 x 28, or the tile shape given), and each
 * filter of a convolution weight (out, in, kh, kw) a kh x kw tile (RGB when in = 3, else the mean
 * over input channels). The picture has a title, a line saying how colours were scaled, each
 * tile's index above it and a colour scale bar; tiles are enlarged to at least 48 pixels a side, so
 * a 3 x 3 filter is 16 pixels per weight. Colours are diverging: blue negative, white zero, red
 * positive, either per tile (each divided by its own largest |w|, so every unit's sign pattern
 * shows) or global (one scale for all, so strong and weak units can be compared). Large layers
 * show their first {@code maxTiles} units and say so.
 *
 * <pre>{@code
 * WeightGrid.of(conv1.weight()).title("conv1 after 5 epochs").scaling(WeightGrid.Scaling.GLOBAL)
 *     .save(Path.of("conv1.png"));
 * }</pre>
 *
 * <p>The weights are copied to the host by {@link #of}; the tensor may be closed afterwards.
 */
public final class WeightGrid {
  /** How weights become colours. */
  public enum Scaling {
    /** Each tile divided by its own largest |w| (the default): every unit's pattern is visible. */
    PER_TILE,
    /** One scale, the largest |w| of all tiles shown: tiles are comparable. */
    GLOBAL
  }

  private static final int GAP = 6;
  private static final int MIN_TILE = 48;
  private static final int MAX_TILES = 1024;

  private final double[] w;
  private final String shape;
  private final int units;
  /** How many units' weights were copied: the first min(units, MAX_TILES). */
  private final int copied;
  private final int channels;
  private final boolean conv;
  private int tileH;
  private int tileW;
  private String title;
  private Scaling scaling = Scaling.PER_TILE;
  private int pixels;
  private int maxTiles = 256;

  private WeightGrid(Tensor weight) {
    if (weight.rank() != 2 && weight.rank() != 4) {
      throw new IllegalArgumentException("WeightGrid: expected a Linear (out, in) or conv (out, in, kh, kw) weight, got "
          + weight.describe());
    }
    if (weight.numel() == 0) throw new IllegalArgumentException("WeightGrid: the weight is empty: " + weight.describe());
    shape = Arrays.toString(weight.shape()).replace('[', '(').replace(']', ')');
    units = (int) weight.dim(0);
    conv = weight.rank() == 4;
    if (conv) {
      channels = (int) weight.dim(1);
      tileH = (int) weight.dim(2);
      tileW = (int) weight.dim(3);
    } else {
      channels = 1;
      int side = (int) Math.round(Math.sqrt(weight.dim(1)));
      tileH = (long) side * side == weight.dim(1) ? side : 0;  // 0: not square, tileShape must be given
      tileW = tileH;
    }
    // only the units a grid can show are copied, so a huge layer costs no more than 1024 of its units
    copied = (int) Math.min(units, MAX_TILES);
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      w = NarrowOps.narrow(weight, 0, 0, copied).to(DType.FLOAT64).toDoubleArray();
    }
  }

  /**
   * A grid of {@code weight}'s units with the default settings; copies the weights to the host.
   *
   * @param weight a Linear (out, in) or convolution (out, in, kh, kw) weight on any device; not
   *     changed
   * @return a new grid, to configure and then {@link #render()} or {@link #save(Path)}
   * @throws IllegalArgumentException when the weight is not of rank 2 or 4, or empty
   */
  public static WeightGrid of(Tensor weight) {
    return new WeightGrid(weight);
  }

  /**
   * Writes {@code weight}'s grid with the default settings, at least {@code scale} pixels per
   * weight.
   *
   * @param weight a Linear (out, in) weight with a square {@code in}, or a convolution weight
   * @param png the file to create or replace; its directory is created when missing
   * @param scale the least pixels per weight on a side, in [1, 64]; tiles are enlarged further
   *     to 48 pixels when smaller
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when the shape cannot be cut into tiles or the scale is out
   *     of range
   */
  public static void save(Tensor weight, Path png, int scale) throws IOException {
    WeightGrid g = of(weight);
    g.pixelsPerWeight(Math.max(scale, g.autoPixels()));
    g.save(png);
  }

  /**
   * Sets the picture's title; the default names the shape and what a tile shows.
   *
   * @param text the title, one line
   * @return this grid
   */
  public WeightGrid title(String text) {
    title = text;
    return this;
  }

  /**
   * Sets how weights become colours.
   *
   * @param s {@link Scaling#PER_TILE} (default) or {@link Scaling#GLOBAL}
   * @return this grid
   */
  public WeightGrid scaling(Scaling s) {
    scaling = s;
    return this;
  }

  /**
   * Sets a Linear weight's tile shape, for rows that are not square images.
   *
   * @param height the tile's height in weights
   * @param width the tile's width in weights; height x width must be the row length
   * @return this grid
   * @throws IllegalArgumentException when height x width is not the row length, or the weight is
   *     a convolution's
   */
  public WeightGrid tileShape(int height, int width) {
    if (conv) throw new IllegalArgumentException("WeightGrid: a convolution weight " + shape + "'s tile is its kernel; "
        + "tileShape is for Linear weights");
    int per = w.length / copied;
    if ((long) height * width != per || height < 1) {
      throw new IllegalArgumentException("WeightGrid: a " + height + "x" + width + " tile does not hold the " + per
          + " weights of a unit of " + shape + "; give height x width = " + per);
    }
    tileH = height;
    tileW = width;
    return this;
  }

  /**
   * Sets how many pixels each weight takes on a side; the default enlarges tiles to 48 pixels.
   *
   * @param n pixels per weight, in [1, 64]
   * @return this grid
   * @throws IllegalArgumentException when n is out of range
   */
  public WeightGrid pixelsPerWeight(int n) {
    if (n < 1 || n > 64) throw new IllegalArgumentException("WeightGrid: pixelsPerWeight must be in [1, 64], got " + n);
    pixels = n;
    return this;
  }

  /**
   * Sets how many units are drawn at most (the first ones); the title says when some are left out.
   *
   * @param n in [1, 1024]; default 256
   * @return this grid
   * @throws IllegalArgumentException when n is out of range
   */
  public WeightGrid maxTiles(int n) {
    if (n < 1 || n > MAX_TILES) throw new IllegalArgumentException("WeightGrid: maxTiles must be in [1, " + MAX_TILES + "], got " + n);
    maxTiles = n;
    return this;
  }

  /**
   * Writes the picture to {@code png}, atomically.
   *
   * @param png the file to create or replace; its directory is created when missing
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when a Linear weight's rows are not square and no tile shape
   *     was given
   */
  public void save(Path png) throws IOException {
    Png.write(render(), png);
  }

  /**
   * Draws the picture.
   *
   * @return a new RGB image
   * @throws IllegalArgumentException when a Linear weight's rows are not square and no tile shape
   *     was given
   */
  public BufferedImage render() {
    int per = w.length / copied;
    if (tileH == 0) {
      throw new IllegalArgumentException("WeightGrid: Linear rows of " + per + " inputs are not square; give the tile "
          + "shape with tileShape(height, width)");
    }
    int inner = tileH * tileW;
    int shown = Math.min(units, maxTiles);
    boolean rgb = channels == 3;
    double[][] tiles = new double[shown][];
    double globalMax = 1e-300;
    for (int t = 0; t < shown; t++) {
      tiles[t] = rgb ? Arrays.copyOfRange(w, t * per, (t + 1) * per) : meanOverChannels(t * per, inner, per / inner);
      for (double v : tiles[t]) globalMax = Math.max(globalMax, Math.abs(v));
    }
    int ppw = pixels > 0 ? pixels : autoPixels();
    String heading = title != null ? title : defaultTitle(shown);
    String how = (scaling == Scaling.PER_TILE ? "per-tile scaling: each tile divided by its own largest |w|"
        : "global scaling: all tiles divided by the largest |w|, " + Canvas.number(globalMax))
        + (rgb ? "; RGB = the 3 input channels, grey = 0" : "; blue < 0 < red");

    FontMetrics small = Canvas.metrics(Canvas.SMALL);
    int tilePxW = tileW * ppw;
    int tilePxH = tileH * ppw;
    int cellW = Math.max(tilePxW, small.stringWidth(Integer.toString(shown - 1))) + GAP;
    int cellH = small.getHeight() + tilePxH + GAP;
    int cols = (int) Math.ceil(Math.sqrt(shown));
    int rows = (shown + cols - 1) / cols;
    String barTop = scaling == Scaling.GLOBAL ? "+" + Canvas.number(globalMax) : "+max |w|";
    String barBottom = scaling == Scaling.GLOBAL ? "-" + Canvas.number(globalMax) : "-max |w|";
    int barW = rgb ? 0 : Canvas.PAD + Canvas.barWidth(barTop, barBottom);
    int top = Canvas.PAD + Canvas.metrics(Canvas.TITLE).getHeight() + Canvas.metrics(Canvas.TEXT).getHeight() + Canvas.PAD;
    int gridW = cols * cellW;
    int textW = Math.max(Canvas.metrics(Canvas.TITLE).stringWidth(heading), Canvas.metrics(Canvas.TEXT).stringWidth(how));
    int width = Canvas.PAD + Math.max(gridW + barW, textW + Canvas.PAD) + Canvas.PAD;  // slack: drawn text runs wider than measured
    int height = top + rows * cellH + Canvas.PAD;

    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.white(img);
    g.setFont(Canvas.TITLE);
    g.drawString(heading, Canvas.PAD, Canvas.PAD + g.getFontMetrics().getAscent());
    g.setFont(Canvas.TEXT);
    g.drawString(how, Canvas.PAD, Canvas.PAD + Canvas.metrics(Canvas.TITLE).getHeight() + g.getFontMetrics().getAscent());
    g.setFont(Canvas.SMALL);
    for (int t = 0; t < shown; t++) {
      int x0 = Canvas.PAD + (t % cols) * cellW;
      int y0 = top + (t / cols) * cellH;
      g.setColor(Color.BLACK);
      g.drawString(Integer.toString(t), x0, y0 + small.getAscent());
      int ty = y0 + small.getHeight();
      double scale = scaling == Scaling.PER_TILE ? tileMax(tiles[t]) : globalMax;
      for (int py = 0; py < tileH; py++) {
        for (int px = 0; px < tileW; px++) {
          int i = py * tileW + px;
          g.setColor(rgb ? rgbPixel(tiles[t], inner, i, scale) : Palette.diverging(tiles[t][i] / scale));
          g.fillRect(x0 + px * ppw, ty + py * ppw, ppw, ppw);
        }
      }
      g.setColor(Color.LIGHT_GRAY);
      g.drawRect(x0 - 1, ty - 1, tilePxW + 1, tilePxH + 1);
    }
    if (!rgb) {
      int barH = Math.min(rows * cellH - GAP, 240);
      Canvas.colourBar(g, Canvas.PAD + gridW + Canvas.PAD, top, Math.max(barH, 40), v -> Palette.diverging(2 * v - 1),
          barTop, "0", barBottom);
    }
    g.dispose();
    return img;
  }

  /** Pixels per weight that make a tile at least MIN_TILE pixels on its longer side. */
  private int autoPixels() {
    int side = Math.max(1, Math.max(tileH, tileW));
    return Math.max(1, Math.min(64, (MIN_TILE + side - 1) / side));
  }

  private String defaultTitle(int shown) {
    String unit = !conv || channels == 1 ? "" : channels == 3 ? ", RGB" : ", mean over " + channels + " input channels";
    String of = shown < units ? "first " + shown + " of " + units : Integer.toString(units);
    return String.format(Locale.ROOT, "Weights %s: %s tiles of %d x %d%s", shape, of, tileH, tileW, unit);
  }

  private double[] meanOverChannels(int base, int inner, int inputs) {
    double[] out = new double[inner];
    for (int c = 0; c < inputs; c++) for (int i = 0; i < inner; i++) out[i] += w[base + c * inner + i];
    for (int i = 0; i < inner; i++) out[i] /= inputs;
    return out;
  }

  private static double tileMax(double[] tile) {
    double m = 1e-300;
    for (double v : tile) m = Math.max(m, Math.abs(v));
    return m;
  }

  private static Color rgbPixel(double[] tile, int inner, int pixel, double scale) {
    int[] c = new int[3];
    for (int k = 0; k < 3; k++) c[k] = (int) Math.round((Math.max(-1, Math.min(1, tile[k * inner + pixel] / scale)) + 1) * 127.5);
    return new Color(c[0], c[1], c[2]);
  }
}
