package org.jdnn.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdnn.train.History;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Training curves as a PNG: loss (train and validation) per epoch on the left and, when the
 * history has it, accuracy on the right. The best epoch (lowest "val_loss", or lowest "loss"
 * without validation) is marked on each panel by a dashed vertical line, its legend entry giving
 * the epoch and value. When the history logs the learning rate as "lr", a strip along the bottom
 * shows it per epoch. XChart draws each panel;
 * they are joined into one image and written with javax.imageio.
 *
 * <p>{@link #saveComparison} draws several runs' curves on the same axes instead (for example the
 * same model with and without batch norm).
 */
public final class TrainingCurves {
  private static final Color BEST = new Color(170, 50, 160);  // a colour XChart's own theme does not use
  private static final Color[] RUNS = {new Color(31, 100, 180), new Color(230, 110, 20), new Color(40, 150, 50),
      new Color(200, 40, 40), new Color(130, 90, 190)};

  private TrainingCurves() {}

  /**
   * Writes the curves of {@code history} to {@code png}, atomically.
   *
   * @param history a history with at least one epoch
   * @param png the file to create or replace; its directory is created when missing
   * @param width the image's width in pixels, at least 200 (split between the panels)
   * @param height the image's height in pixels, at least 150
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when the history is empty or the size too small
   */
  public static void save(History history, Path png, int width, int height) throws IOException {
    Png.write(render(history, width, height), png);
  }

  /**
   * Draws the curves: "loss" and "val_loss" per epoch on the left, "accuracy" and "val_accuracy"
   * on the right when the history has either, the best epoch marked on both, and "lr" in a strip
   * below (30% of the height) when the history has it.
   *
   * @param history a history with at least one epoch
   * @param width the image's width in pixels, at least 200
   * @param height the image's height in pixels, at least 150
   * @return a new RGB image
   * @throws IllegalArgumentException when the history is empty or the size too small
   */
  public static BufferedImage render(History history, int width, int height) {
    check(history.epochs() == 0, width, height);
    String monitor = history.get("val_loss").isEmpty() ? "loss" : "val_loss";
    int best = bestEpoch(history.get(monitor));
    String bestLabel = best < 0 ? null
        : String.format(Locale.ROOT, "best epoch %d (%s %s)", best + 1, monitor, Canvas.number(history.get(monitor).get(best)));
    boolean lr = history.get("lr").stream().anyMatch(v -> v > 0 && Double.isFinite(v));
    int curvesH = lr ? height - height * 3 / 10 : height;
    List<XYChart> charts = new ArrayList<>();
    charts.add(chart("Loss", "loss", width, curvesH));
    if (!history.get("accuracy").isEmpty() || !history.get("val_accuracy").isEmpty()) {
      charts.add(chart("Accuracy", "accuracy", width, curvesH));
    }
    for (XYChart c : charts) {
      String metric = c.getTitle().toLowerCase(Locale.ROOT);
      addSeries(c, "train", history.get(metric), null, SeriesLines.SOLID);
      addSeries(c, "validation", history.get("val_" + metric), null, SeriesLines.SOLID);
      if (bestLabel != null) markEpoch(c, best + 1, bestLabel, history.get(metric), history.get("val_" + metric));
    }
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.white(out);
    paintRow(g, charts, 0, width, curvesH);
    if (lr) paintRow(g, List.of(learningRateChart(history.get("lr"), width, height - curvesH)), curvesH, width, height - curvesH);
    g.dispose();
    return out;
  }

  /**
   * Writes several runs' curves on shared axes to {@code png}, atomically: loss on the left and
   * accuracy on the right (when logged), each run in its own colour, training solid and validation
   * dashed.
   *
   * @param runs each run's name and history, in legend order (at least one, each with an epoch)
   * @param png the file to create or replace; its directory is created when missing
   * @param width the image's width in pixels, at least 200
   * @param height the image's height in pixels, at least 150
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when there is no run, a history is empty or the size too small
   */
  public static void saveComparison(Map<String, History> runs, Path png, int width, int height) throws IOException {
    Png.write(renderComparison(runs, width, height), png);
  }

  /**
   * Draws several runs' curves on shared axes, as {@link #saveComparison} writes them.
   *
   * @param runs each run's name and history, in legend order
   * @param width the image's width in pixels, at least 200
   * @param height the image's height in pixels, at least 150
   * @return a new RGB image
   * @throws IllegalArgumentException when there is no run, a history is empty or the size too small
   */
  public static BufferedImage renderComparison(Map<String, History> runs, int width, int height) {
    check(runs.isEmpty() || runs.values().stream().anyMatch(h -> h.epochs() == 0), width, height);
    boolean accuracy = runs.values().stream().anyMatch(h -> !h.get("accuracy").isEmpty());
    List<XYChart> charts = new ArrayList<>();
    charts.add(chart("Loss", "loss", width, height));
    if (accuracy) charts.add(chart("Accuracy", "accuracy", width, height));
    int k = 0;
    for (Map.Entry<String, History> run : runs.entrySet()) {
      Color colour = RUNS[k++ % RUNS.length];
      for (XYChart c : charts) {
        String metric = c.getTitle().toLowerCase(Locale.ROOT);
        addSeries(c, run.getKey() + " train", run.getValue().get(metric), colour, SeriesLines.SOLID);
        addSeries(c, run.getKey() + " validation", run.getValue().get("val_" + metric), colour, SeriesLines.DASH_DASH);
      }
    }
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.white(out);
    paintRow(g, charts, 0, width, height);
    g.dispose();
    return out;
  }

  /**
   * The epoch (from 0) with the lowest finite value, or -1 when none is finite.
   *
   * @param values one value per epoch
   * @return the first epoch holding the minimum
   */
  static int bestEpoch(List<Double> values) {
    int best = -1;
    for (int i = 0; i < values.size(); i++) {
      double v = values.get(i);
      if (Double.isFinite(v) && (best < 0 || v < values.get(best))) best = i;
    }
    return best;
  }

  private static void check(boolean empty, int width, int height) {
    if (empty) throw new IllegalArgumentException("TrainingCurves: the history has no epochs");
    if (width < 200 || height < 150) throw new IllegalArgumentException("TrainingCurves: image must be at least 200x150, got "
        + width + "x" + height);
  }

  private static void paintRow(Graphics2D g, List<XYChart> charts, int y, int width, int height) {
    int panel = width / charts.size();
    for (int i = 0; i < charts.size(); i++) {
      BufferedImage img = new BufferedImage(panel, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D pg = img.createGraphics();
      charts.get(i).paint(pg, panel, height);
      pg.dispose();
      g.drawImage(img, i * panel, y, null);
    }
  }

  private static XYChart chart(String title, String metric, int width, int height) {
    XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle("epoch").yAxisTitle(metric).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setXAxisDecimalPattern("#");
    // loss falls and accuracy rises: put the legend in the corner the curves leave free
    c.getStyler().setLegendPosition(metric.equals("loss") ? Styler.LegendPosition.InsideNE : Styler.LegendPosition.InsideSE);
    return c;
  }

  private static XYChart learningRateChart(List<Double> lr, int width, int height) {
    XYChart c = new XYChartBuilder().width(width).height(height).xAxisTitle("epoch").yAxisTitle("lr").build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setXAxisDecimalPattern("#");
    c.getStyler().setLegendVisible(false);
    double lo = Double.POSITIVE_INFINITY, hi = 0;
    for (double v : lr) {
      if (v > 0 && Double.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    // a short strip has room for few ticks: scientific labels keep small rates readable
    c.getStyler().setYAxisDecimalPattern(hi < 0.01 || hi > 10 * lo ? "0.0E0" : "0.###");
    addSeries(c, "lr", lr, RUNS[2], SeriesLines.SOLID);
    return c;
  }

  private static void markEpoch(XYChart c, int epoch, String label, List<Double> a, List<Double> b) {
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (List<Double> values : List.of(a, b)) {
      for (double v : values) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) return;
    XYSeries s = c.addSeries(label, new double[] {epoch, epoch}, new double[] {lo, hi});
    s.setLineColor(BEST);
    s.setLineStyle(SeriesLines.DASH_DASH);
    s.setMarker(SeriesMarkers.NONE);
  }

  private static void addSeries(XYChart c, String name, List<Double> values, Color colour, java.awt.BasicStroke line) {
    if (values.isEmpty()) return;
    double[] x = new double[values.size()];
    double[] y = new double[values.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
      y[i] = values.get(i);
    }
    XYSeries s = c.addSeries(name, x, y);
    s.setLineStyle(line);
    if (colour != null) {
      s.setLineColor(colour);
      s.setMarkerColor(colour);
    }
    if (x.length > 30) s.setMarker(SeriesMarkers.NONE);
  }
}
