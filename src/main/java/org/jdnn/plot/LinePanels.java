package org.jdnn.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line charts side by side in one PNG, each axis linear or logarithmic: the pictures of the
 * org.jdnn.debug tools (gradient norms over steps, loss against learning rate). XChart draws
 * each panel. On a logarithmic axis a value that is not above 0 cannot be placed, and a NaN or
 * infinite value nowhere: such points are left out (a series left with none is not drawn).
 */
public final class LinePanels {
  private LinePanels() {}

  /**
   * One named line.
   *
   * @param name the legend's label
   * @param x the x values
   * @param y the y values, as many as {@code x}
   */
  public record Series(String name, double[] x, double[] y) {
    /**
     * Checks the lengths.
     *
     * @param name the legend's label
     * @param x the x values
     * @param y the y values, as many as {@code x}
     * @throws IllegalArgumentException when x and y differ in length
     */
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException("LinePanels.Series '" + name + "': " + x.length + " x values but " + y.length
            + " y values; give one y per x");
      }
    }
  }

  /**
   * One chart.
   *
   * @param title the chart's title
   * @param xTitle the x axis's title
   * @param yTitle the y axis's title
   * @param logX whether the x axis is logarithmic
   * @param logY whether the y axis is logarithmic
   * @param series the lines
   * @param markX an x to mark with a vertical line (a suggested value), or NaN for none
   * @param markLabel the mark's legend label, followed by its value
   */
  public record Panel(String title, String xTitle, String yTitle, boolean logX, boolean logY, List<Series> series,
      double markX, String markLabel) {}

  /**
   * Writes the panels, left to right, to {@code png}, atomically.
   *
   * @param panels at least one panel
   * @param png the file to create or replace; its directory is created when missing
   * @param width the image's width in pixels, at least 200 (split between the panels)
   * @param height the image's height in pixels, at least 150
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when there is no panel, no panel has a point to draw, or the
   *     size is too small
   */
  public static void save(List<Panel> panels, Path png, int width, int height) throws IOException {
    Png.write(render(panels, width, height), png);
  }

  /**
   * Draws the panels, left to right.
   *
   * @param panels at least one panel
   * @param width the image's width in pixels, at least 200
   * @param height the image's height in pixels, at least 150
   * @return a new RGB image
   * @throws IllegalArgumentException when there is no panel, no panel has a point to draw, or the
   *     size is too small
   */
  public static BufferedImage render(List<Panel> panels, int width, int height) {
    if (panels == null || panels.isEmpty()) throw new IllegalArgumentException("LinePanels: give at least one panel");
    if (width < 200 || height < 150) {
      throw new IllegalArgumentException("LinePanels: image must be at least 200x150, got " + width + "x" + height);
    }
    int panel = width / panels.size();
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    boolean drawn = false;
    for (int i = 0; i < panels.size(); i++) {
      XYChart c = chart(panels.get(i), panel, height);
      if (c.getSeriesMap().isEmpty()) continue;  // XChart cannot draw an empty chart: the panel stays blank
      drawn = true;
      BufferedImage img = new BufferedImage(panel, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D pg = img.createGraphics();
      c.paint(pg, panel, height);
      pg.dispose();
      g.drawImage(img, i * panel, 0, null);
    }
    g.dispose();
    if (!drawn) {
      throw new IllegalArgumentException("LinePanels: no panel has a point to draw (every value is NaN, infinite, or not "
          + "above 0 on a logarithmic axis)");
    }
    return out;
  }

  private static XYChart chart(Panel p, int width, int height) {
    XYChart c = new XYChartBuilder().width(width).height(height).title(p.title()).xAxisTitle(p.xTitle())
        .yAxisTitle(p.yTitle()).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setXAxisLogarithmic(p.logX());
    c.getStyler().setYAxisLogarithmic(p.logY());
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (Series s : p.series()) {
      List<double[]> pts = drawable(s, p.logX(), p.logY());
      if (pts.isEmpty()) continue;
      double[] x = new double[pts.size()], y = new double[pts.size()];
      for (int k = 0; k < x.length; k++) {
        x[k] = pts.get(k)[0];
        y[k] = pts.get(k)[1];
        lo = Math.min(lo, y[k]);
        hi = Math.max(hi, y[k]);
      }
      XYSeries xy = c.addSeries(s.name(), x, y);
      xy.setMarker(x.length > 60 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
    }
    boolean markable = Double.isFinite(p.markX()) && (!p.logX() || p.markX() > 0) && lo <= hi;
    if (markable) {
      XYSeries mark = c.addSeries(p.markLabel() + ": " + String.format(java.util.Locale.ROOT, "%.3g", p.markX()),
          new double[] {p.markX(), p.markX()}, new double[] {lo, hi});
      mark.setMarker(SeriesMarkers.NONE);
      mark.setLineColor(Color.RED);
    }
    return c;
  }

  private static List<double[]> drawable(Series s, boolean logX, boolean logY) {
    List<double[]> pts = new ArrayList<>();
    for (int k = 0; k < s.x().length; k++) {
      double x = s.x()[k], y = s.y()[k];
      if (!Double.isFinite(x) || !Double.isFinite(y) || (logX && x <= 0) || (logY && y <= 0)) continue;
      pts.add(new double[] {x, y});
    }
    return pts;
  }
}
