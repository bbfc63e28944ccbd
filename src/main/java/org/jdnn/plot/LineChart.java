package org.jdnn.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line chart of named series, drawn by XChart: solid lines, dashed lines (for parts of a whole,
 * such as hidden units beside the fit they make) and points without lines (data). The y axis may be
 * logarithmic, for quantities that span decades such as gradient norms.
 *
 * <pre>{@code
 * LineChart.of("Gradient norm per layer", "layer", "||dL/dW||").logY(true)
 *     .line("sigmoid", layers, sigmoidNorms).line("ReLU", layers, reluNorms)
 *     .save(Path.of("gradients.png"), 700, 450);
 * }</pre>
 */
public final class LineChart {
  private final XYChart chart;
  private int series;

  private LineChart(String title, String xTitle, String yTitle) {
    chart = new XYChartBuilder().width(600).height(400).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setXAxisDecimalPattern("0.##");  // XChart's default prints ticks such as .020408163265306
  }

  /**
   * An empty chart.
   *
   * @param title the chart's title
   * @param xTitle the x axis title
   * @param yTitle the y axis title
   * @return a new chart
   */
  public static LineChart of(String title, String xTitle, String yTitle) {
    return new LineChart(title, xTitle, yTitle);
  }

  /**
   * Makes the y axis logarithmic (every value drawn must then be positive).
   *
   * @param on whether it is
   * @return this chart
   */
  public LineChart logY(boolean on) {
    chart.getStyler().setYAxisLogarithmic(on);
    return this;
  }

  /** Where the legend goes. */
  public enum Legend {
    /** Inside the plot, top right (the default). */
    TOP_RIGHT(Styler.LegendPosition.InsideNE),
    /** Inside the plot, top left. */
    TOP_LEFT(Styler.LegendPosition.InsideNW),
    /** Inside the plot, bottom right. */
    BOTTOM_RIGHT(Styler.LegendPosition.InsideSE),
    /** Inside the plot, bottom left. */
    BOTTOM_LEFT(Styler.LegendPosition.InsideSW),
    /** Right of the plot, which narrows to make room. */
    OUTSIDE_RIGHT(Styler.LegendPosition.OutsideE);

    private final Styler.LegendPosition position;

    Legend(Styler.LegendPosition position) {
      this.position = position;
    }
  }

  /**
   * Sets where the legend goes.
   *
   * @param where a corner inside the plot, or outside to its right
   * @return this chart
   */
  public LineChart legend(Legend where) {
    chart.getStyler().setLegendPosition(where.position);
    return this;
  }

  /**
   * Adds a solid line with a marker at each point when there are at most 30.
   *
   * @param name its legend entry, unique in the chart
   * @param x the x values
   * @param y the y values, as many as x
   * @return this chart
   * @throws IllegalArgumentException when the lengths differ, a series is empty or the name is taken
   */
  public LineChart line(String name, double[] x, double[] y) {
    XYSeries s = add(name, x, y);
    if (x.length > 30) s.setMarker(SeriesMarkers.NONE);
    return this;
  }

  /**
   * Adds a dashed line without markers.
   *
   * @param name its legend entry, unique in the chart
   * @param x the x values
   * @param y the y values, as many as x
   * @return this chart
   * @throws IllegalArgumentException when the lengths differ, a series is empty or the name is taken
   */
  public LineChart dashed(String name, double[] x, double[] y) {
    XYSeries s = add(name, x, y);
    s.setLineStyle(SeriesLines.DASH_DASH);
    s.setMarker(SeriesMarkers.NONE);
    return this;
  }

  /**
   * Adds points without a line (data).
   *
   * @param name its legend entry, unique in the chart
   * @param x the x values
   * @param y the y values, as many as x
   * @return this chart
   * @throws IllegalArgumentException when the lengths differ, a series is empty or the name is taken
   */
  public LineChart points(String name, double[] x, double[] y) {
    XYSeries s = add(name, x, y);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    s.setMarker(SeriesMarkers.CIRCLE);
    return this;
  }

  /**
   * Draws the chart.
   *
   * @param width the image's width in pixels, at least 200
   * @param height the image's height in pixels, at least 150
   * @return a new RGB image
   * @throws IllegalArgumentException when the chart has no series or the size is too small
   */
  public BufferedImage render(int width, int height) {
    if (series == 0) throw new IllegalArgumentException("LineChart: add a series before drawing");
    if (width < 200 || height < 150) throw new IllegalArgumentException("LineChart: image must be at least 200x150, got "
        + width + "x" + height);
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    chart.paint(g, width, height);
    g.dispose();
    return img;
  }

  /**
   * Writes the chart to {@code png}, atomically.
   *
   * @param png the file to create or replace; its directory is created when missing
   * @param width the image's width in pixels, at least 200
   * @param height the image's height in pixels, at least 150
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when the chart has no series or the size is too small
   */
  public void save(Path png, int width, int height) throws IOException {
    Png.write(render(width, height), png);
  }

  private XYSeries add(String name, double[] x, double[] y) {
    if (x.length != y.length || x.length == 0) {
      throw new IllegalArgumentException("LineChart: series " + name + " needs as many x as y values and at least one, got "
          + x.length + " and " + y.length);
    }
    if (chart.getSeriesMap().containsKey(name)) throw new IllegalArgumentException("LineChart: a series named " + name
        + " is already in the chart; give each a different name");
    series++;
    return chart.addSeries(name, x, y);
  }
}
