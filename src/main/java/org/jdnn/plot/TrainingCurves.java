package org.jdnn.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jdnn.train.History;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Training curves as a PNG: loss (train and validation) per epoch on the left and, when the
 * history has it, accuracy on the right. XChart draws each panel; they are joined into one image
 * and written with javax.imageio.
 */
public final class TrainingCurves {
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
   * Draws the curves: "loss" and "val_loss" per epoch on the left, and "accuracy" and
   * "val_accuracy" on the right when the history has either.
   *
   * @param history a history with at least one epoch
   * @param width the image's width in pixels, at least 200
   * @param height the image's height in pixels, at least 150
   * @return a new RGB image
   * @throws IllegalArgumentException when the history is empty or the size too small
   */
  public static BufferedImage render(History history, int width, int height) {

    if (history.epochs() == 0) throw new IllegalArgumentException("TrainingCurves: the history has no epochs");
    if (width < 200 || height < 150) throw new IllegalArgumentException("TrainingCurves: image must be at least 200x150, got "
        + width + "x" + height);
    List<XYChart> charts = new ArrayList<>();
    charts.add(chart(history, "Loss", "loss", width, height));
    if (!history.get("accuracy").isEmpty() || !history.get("val_accuracy").isEmpty()) {
      charts.add(chart(history, "Accuracy", "accuracy", width, height));
    }
    int panel = width / charts.size();
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    for (int i = 0; i < charts.size(); i++) {
      XYChart c = charts.get(i);
      BufferedImage img = new BufferedImage(panel, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D pg = img.createGraphics();
      c.paint(pg, panel, height);
      pg.dispose();
      g.drawImage(img, i * panel, 0, null);
    }
    g.dispose();
    return out;
  }

  private static XYChart chart(History h, String title, String metric, int width, int height) {
    XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle("epoch").yAxisTitle(metric).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setXAxisDecimalPattern("#");
    // loss falls and accuracy rises: put the legend in the corner the curves leave free
    c.getStyler().setLegendPosition(metric.equals("loss") ? Styler.LegendPosition.InsideNE : Styler.LegendPosition.InsideSE);
    addSeries(c, "train", h.get(metric));
    addSeries(c, "validation", h.get("val_" + metric));
    return c;
  }

  private static void addSeries(XYChart c, String name, List<Double> values) {
    if (values.isEmpty()) return;
    double[] x = new double[values.size()];
    double[] y = new double[values.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
      y[i] = values.get(i);
    }
    c.addSeries(name, x, y);
  }
}
