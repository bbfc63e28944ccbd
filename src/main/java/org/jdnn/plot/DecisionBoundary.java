package org.jdnn.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * The decision regions of a classifier of 2-D points, as a PNG: the plane shaded by the class the
 * classifier picks at each pixel (a light tint of the class's colour, boundaries drawn darker),
 * with the data points on top in the full colours, axes with ticks and a title. The classifier is
 * evaluated once, on one batch holding a point per 2 x 2 pixels.
 *
 * <p>A classifier's output (N, C) with C &gt;= 2 picks the arg max; an output (N, 1) or (N) is one
 * logit, class 1 where it is above 0 (subtract 0.5 from a probability; a 0/1 threshold unit works
 * as it is).
 *
 * <pre>{@code
 * DecisionBoundary.of(model).points(x, y).title("2 hidden layers, accuracy 0.98").save(Path.of("regions.png"), 400, 400);
 * }</pre>
 */
public final class DecisionBoundary {
  private static final int CELL = 2;

  private final Function<Tensor, Tensor> classifier;
  private double[] xy = new double[0];
  private int[] labels = new int[0];
  private String title = "Decision regions";
  private double[] bounds;

  private DecisionBoundary(Function<Tensor, Tensor> classifier) {
    this.classifier = classifier;
  }

  /**
   * Regions of any function of a batch of points.
   *
   * @param classifier takes a float32 (N, 2) tensor on the CPU and returns scores (N, C) or one
   *     logit per point; its result is freed by the caller
   * @return a new picture, to configure and render
   */
  public static DecisionBoundary of(Function<Tensor, Tensor> classifier) {
    return new DecisionBoundary(classifier);
  }

  /**
   * Regions of a model: it runs in evaluation mode without gradients (its mode is restored), on
   * the points moved to its device and converted to its parameters' dtype.
   *
   * @param model a layer taking (N, 2) inputs
   * @return a new picture, to configure and render
   */
  public static DecisionBoundary of(Layer model) {
    return new DecisionBoundary(x -> {
      boolean training = model.isTraining();
      model.eval();
      try (GradMode.Guard g = GradMode.disable()) {
        DType dtype = model.parameters().isEmpty() ? x.dtype() : model.parameters().get(0).dtype();
        return model.forward(x.to(model.device()).to(dtype));
      } finally {
        model.train(training);
      }
    });
  }

  /**
   * Sets the data points drawn over the regions; they also set the default bounds.
   *
   * @param points (N, 2) coordinates, any floating dtype and device; copied
   * @param classes (N) class indices (integer or floating values); copied
   * @return this picture
   * @throws IllegalArgumentException when the shapes do not match or a class is negative
   */
  public DecisionBoundary points(Tensor points, Tensor classes) {
    if (points.rank() != 2 || points.dim(1) != 2 || classes.numel() != points.dim(0)) {
      throw new IllegalArgumentException("DecisionBoundary: expected points (N, 2) and N classes, got " + points.describe()
          + " and " + classes.describe());
    }
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      xy = points.to(DType.FLOAT64).toDoubleArray();
      double[] c = classes.to(DType.FLOAT64).toDoubleArray();
      labels = new int[c.length];
      for (int i = 0; i < c.length; i++) {
        if (!(c[i] >= 0)) throw new IllegalArgumentException("DecisionBoundary: class " + c[i] + " of point " + i + " is not a"
            + " class index (0, 1, ...)");
        labels[i] = (int) Math.round(c[i]);
      }
    }
    return this;
  }

  /**
   * Sets the title drawn above the plot.
   *
   * @param text one line, e.g. the model and its accuracy
   * @return this picture
   */
  public DecisionBoundary title(String text) {
    title = text;
    return this;
  }

  /**
   * Sets the plotted square of the plane; the default is the points' range plus 10% each side
   * (or [-1, 1]^2 without points).
   *
   * @param xMin left edge
   * @param xMax right edge, above xMin
   * @param yMin bottom edge
   * @param yMax top edge, above yMin
   * @return this picture
   * @throws IllegalArgumentException when an edge is not finite or a range is empty
   */
  public DecisionBoundary bounds(double xMin, double xMax, double yMin, double yMax) {
    if (!(xMax > xMin && yMax > yMin) || !Double.isFinite(xMax - xMin) || !Double.isFinite(yMax - yMin)) {
      throw new IllegalArgumentException("DecisionBoundary: bounds must be finite with xMax > xMin and yMax > yMin, got x ["
          + xMin + ", " + xMax + "], y [" + yMin + ", " + yMax + "]");
    }
    bounds = new double[] {xMin, xMax, yMin, yMax};
    return this;
  }

  /**
   * Writes the picture to {@code png}, atomically.
   *
   * @param png the file to create or replace; its directory is created when missing
   * @param width the image's width in pixels, in [160, 4000]
   * @param height the image's height in pixels, in [160, 4000]
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when the size is out of range or the classifier's output
   *     does not have one row per point
   */
  public void save(Path png, int width, int height) throws IOException {
    Png.write(render(width, height), png);
  }

  /**
   * Draws the picture.
   *
   * @param width the image's width in pixels, in [160, 4000]
   * @param height the image's height in pixels, in [160, 4000]
   * @return a new RGB image
   * @throws IllegalArgumentException when the size is out of range or the classifier's output
   *     does not have one row per point
   */
  public BufferedImage render(int width, int height) {
    if (width < 160 || height < 160 || width > 4000 || height > 4000) {
      throw new IllegalArgumentException("DecisionBoundary: the image must be between 160x160 and 4000x4000, got " + width
          + "x" + height);
    }
    double[] b = bounds != null ? bounds : dataBounds();
    FontMetrics small = Canvas.metrics(Canvas.SMALL);
    int left = Canvas.PAD + small.stringWidth("-0.000") + 6;
    int top = Canvas.PAD + Canvas.metrics(Canvas.TITLE).getHeight() + 4;
    int plotW = (width - left - Canvas.PAD) / CELL * CELL;
    int plotH = (height - top - Canvas.PAD - small.getHeight() - 6) / CELL * CELL;
    int cols = plotW / CELL;
    int rows = plotH / CELL;
    int[] predicted = classify(b, cols, rows);

    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.white(img);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int k = predicted[r * cols + c];
        boolean edge = c + 1 < cols && predicted[r * cols + c + 1] != k || r + 1 < rows && predicted[(r + 1) * cols + c] != k;
        g.setColor(edge ? Palette.of(k).darker() : Palette.region(k));
        g.fillRect(left + c * CELL, top + r * CELL, CELL, CELL);
      }
    }
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    for (int i = 0; i < labels.length; i++) {
      int px = left + (int) Math.round((xy[2 * i] - b[0]) / (b[1] - b[0]) * plotW);
      int py = top + (int) Math.round((b[3] - xy[2 * i + 1]) / (b[3] - b[2]) * plotH);
      g.setColor(Palette.of(labels[i]));
      g.fillOval(px - 5, py - 5, 11, 11);
      g.setColor(Color.BLACK);
      g.drawOval(px - 5, py - 5, 11, 11);
    }
    g.setColor(Color.DARK_GRAY);
    g.setStroke(new BasicStroke(1));
    g.drawRect(left, top, plotW - 1, plotH - 1);
    axes(g, b, left, top, plotW, plotH);
    g.setFont(Canvas.TITLE);
    g.setColor(Color.BLACK);
    g.drawString(title, left, Canvas.PAD + g.getFontMetrics().getAscent());
    g.dispose();
    return img;
  }

  /** The class picked at the centre of each CELL x CELL block, row 0 at the top. */
  private int[] classify(double[] b, int cols, int rows) {
    float[] grid = new float[2 * cols * rows];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        grid[2 * (r * cols + c)] = (float) (b[0] + (c + 0.5) / cols * (b[1] - b[0]));
        grid[2 * (r * cols + c) + 1] = (float) (b[3] - (r + 0.5) / rows * (b[3] - b[2]));
      }
    }
    int n = cols * rows;
    int[] out = new int[n];
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor scores = classifier.apply(Tensor.of(grid, n, 2));
      if (scores.numel() % n != 0 || scores.dim(0) != n) {
        throw new IllegalArgumentException("DecisionBoundary: the classifier returned " + scores.describe() + " for " + n
            + " points; it must return (N, C) scores or (N, 1) logits");
      }
      int classes = (int) (scores.numel() / n);
      double[] v = scores.to(DType.FLOAT64).toDoubleArray();
      for (int i = 0; i < n; i++) {
        if (classes == 1) {
          out[i] = v[i] > 0 ? 1 : 0;
        } else {
          int best = 0;
          for (int k = 1; k < classes; k++) if (v[i * classes + k] > v[i * classes + best]) best = k;
          out[i] = best;
        }
      }
    }
    return out;
  }

  private double[] dataBounds() {
    if (labels.length == 0) return new double[] {-1, 1, -1, 1};
    double[] b = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    for (int i = 0; i < labels.length; i++) {
      b[0] = Math.min(b[0], xy[2 * i]);
      b[1] = Math.max(b[1], xy[2 * i]);
      b[2] = Math.min(b[2], xy[2 * i + 1]);
      b[3] = Math.max(b[3], xy[2 * i + 1]);
    }
    double mx = Math.max(0.1 * (b[1] - b[0]), 0.1);
    double my = Math.max(0.1 * (b[3] - b[2]), 0.1);
    return new double[] {b[0] - mx, b[1] + mx, b[2] - my, b[3] + my};
  }

  private static void axes(Graphics2D g, double[] b, int left, int top, int plotW, int plotH) {
    g.setFont(Canvas.SMALL);
    FontMetrics fm = g.getFontMetrics();
    double sx = tickStep(b[1] - b[0]);
    for (double t = Math.ceil(b[0] / sx) * sx; t <= b[1] + 1e-9 * sx; t += sx) {
      int px = left + (int) Math.round((t - b[0]) / (b[1] - b[0]) * plotW);
      g.drawLine(px, top + plotH, px, top + plotH + 3);
      Canvas.centred(g, Canvas.number(Math.abs(t) < 1e-9 * sx ? 0 : t), px, top + plotH + 4 + fm.getAscent());
    }
    double sy = tickStep(b[3] - b[2]);
    for (double t = Math.ceil(b[2] / sy) * sy; t <= b[3] + 1e-9 * sy; t += sy) {
      int py = top + (int) Math.round((b[3] - t) / (b[3] - b[2]) * plotH);
      g.drawLine(left - 3, py, left, py);
      String s = Canvas.number(Math.abs(t) < 1e-9 * sy ? 0 : t);
      g.drawString(s, left - 5 - fm.stringWidth(s), py + fm.getAscent() / 2);
    }
  }

  /** A step of 1, 2 or 5 times a power of ten giving about five ticks. */
  private static double tickStep(double range) {
    double raw = range / 5;
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }
}
