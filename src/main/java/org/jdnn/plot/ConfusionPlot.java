package org.jdnn.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jdnn.train.ConfusionMatrix;

/**
 * A confusion matrix as a PNG heat map, laid out as scikit-learn's ConfusionMatrixDisplay: true
 * classes down the left (rows), predicted classes along the bottom (columns, names turned when
 * long), each cell's count written in it, and a colour bar on the right. Colours run from white (0)
 * to dark blue (the largest count), as matplotlib's "Blues" map; counts are drawn white on dark
 * cells. Drawn headless with Java2D and written with javax.imageio, atomically.
 *
 * <pre>{@code
 * ConfusionMatrix cm = new ConfusionMatrix();
 * trainer.metrics(cm).evaluate(test);
 * ConfusionPlot.save(cm, List.of("T-shirt", "Trouser", ...), Path.of("confusion.png"), 48);
 * }</pre>
 */
public final class ConfusionPlot {
  private static final Color LOW = Color.WHITE;
  private static final Color HIGH = new Color(8, 48, 107); // matplotlib Blues' darkest
  private static final int PAD = 12;
  private static final int BAR = 16;

  private ConfusionPlot() {}

  /**
   * Writes the heat map of {@code matrix} to {@code png}, atomically.
   *
   * @param matrix a matrix whose class count is known (at least one batch, or given)
   * @param classNames one name per class in class-index order, or null for the indices
   * @param png the file to create or replace; its directory is created when missing
   * @param cell each cell's side in pixels, in [16, 256]
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when the class count is unknown, the names are not one per
   *     class, or the cell size is out of range
   */
  public static void save(ConfusionMatrix matrix, List<String> classNames, Path png, int cell) throws IOException {
    Png.write(render(matrix, classNames, cell), png);
  }

  /**
   * Draws the heat map. The image is {@code cell} pixels per class each way plus margins for the
   * names, the axis titles and the colour bar.
   *
   * @param matrix a matrix whose class count is known
   * @param classNames one name per class, or null for the indices
   * @param cell each cell's side in pixels, in [16, 256]
   * @return a new RGB image
   * @throws IllegalArgumentException when the class count is unknown, the names are not one per
   *     class, or the cell size is out of range
   */
  public static BufferedImage render(ConfusionMatrix matrix, List<String> classNames, int cell) {
    int c = matrix.numClasses();
    if (c == 0) {
      throw new IllegalArgumentException("ConfusionPlot: the matrix has no class count yet; update it with a batch or construct it "
          + "with new ConfusionMatrix(numClasses)");
    }
    if (cell < 16 || cell > 256) throw new IllegalArgumentException("ConfusionPlot: cell must be in [16, 256] pixels, got " + cell);
    List<String> names = matrix.labels(classNames);
    long[][] counts = matrix.counts();
    long max = 1;
    for (long[] row : counts) for (long v : row) max = Math.max(max, v);

    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    Font title = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    FontMetrics fm = pg.getFontMetrics(font);
    FontMetrics tm = pg.getFontMetrics(title);
    pg.dispose();
    int nameW = 0;
    for (String s : names) nameW = Math.max(nameW, fm.stringWidth(s));
    boolean turn = nameW > cell - 4; // column names written vertically when they do not fit a cell
    int colNamesH = turn ? nameW : fm.getHeight();
    String maxLabel = Long.toString(max);
    int left = PAD + tm.getHeight() + PAD + nameW + 6;
    int top = PAD + tm.getHeight() + PAD;
    int grid = c * cell;
    int width = left + grid + PAD * 2 + BAR + 6 + fm.stringWidth(maxLabel) + PAD;
    int height = top + grid + 6 + colNamesH + PAD + tm.getHeight() + PAD;

    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);

    g.setFont(title);
    g.setColor(Color.BLACK);
    String heading = "Confusion matrix (" + matrix.total() + " samples)";
    g.drawString(heading, left + (grid - tm.stringWidth(heading)) / 2, PAD + tm.getAscent());
    String xTitle = "Predicted class";
    g.drawString(xTitle, left + (grid - tm.stringWidth(xTitle)) / 2, top + grid + 6 + colNamesH + PAD + tm.getAscent());
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    String yTitle = "True class";
    g.drawString(yTitle, -(top + (grid + tm.stringWidth(yTitle)) / 2), PAD + tm.getAscent());
    g.setTransform(saved);

    g.setFont(font);
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < c; j++) {
        double f = (double) counts[i][j] / max;
        Color bg = shade(f);
        g.setColor(bg);
        g.fillRect(left + j * cell, top + i * cell, cell, cell);
        String v = Long.toString(counts[i][j]);
        g.setColor(f > 0.5 ? Color.WHITE : Color.BLACK);
        if (fm.stringWidth(v) <= cell - 2) {
          g.drawString(v, left + j * cell + (cell - fm.stringWidth(v)) / 2, top + i * cell + (cell + fm.getAscent() - fm.getDescent()) / 2);
        }
      }
      g.setColor(Color.BLACK);
      String n = names.get(i);
      g.drawString(n, left - 6 - fm.stringWidth(n), top + i * cell + (cell + fm.getAscent() - fm.getDescent()) / 2);
      if (turn) {
        g.rotate(-Math.PI / 2);
        g.drawString(n, -(top + grid + 6 + fm.stringWidth(n)), left + i * cell + (cell + fm.getAscent() - fm.getDescent()) / 2);
        g.setTransform(saved);
      } else {
        g.drawString(n, left + i * cell + (cell - fm.stringWidth(n)) / 2, top + grid + 6 + fm.getAscent());
      }
    }
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1));
    g.drawRect(left, top, grid - 1, grid - 1);

    int barX = left + grid + PAD * 2;
    for (int y = 0; y < grid; y++) {
      g.setColor(shade(1 - (double) y / Math.max(1, grid - 1)));
      g.drawLine(barX, top + y, barX + BAR - 1, top + y);
    }
    g.setColor(Color.GRAY);
    g.drawRect(barX, top, BAR - 1, grid - 1);
    g.setColor(Color.BLACK);
    g.drawString(maxLabel, barX + BAR + 6, top + fm.getAscent());
    g.drawString("0", barX + BAR + 6, top + grid - fm.getDescent());
    g.dispose();
    return out;
  }

  /** White at 0 to dark blue at 1. */
  private static Color shade(double f) {
    f = Math.max(0, Math.min(1, f));
    return new Color(mix(LOW.getRed(), HIGH.getRed(), f), mix(LOW.getGreen(), HIGH.getGreen(), f), mix(LOW.getBlue(), HIGH.getBlue(), f));
  }

  private static int mix(int a, int b, double f) {
    return (int) Math.round(a + (b - a) * f);
  }
}
