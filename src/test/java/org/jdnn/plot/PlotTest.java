package org.jdnn.plot;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training curves, weight grids and figure rows: each PNG decodes at its size, is not blank, and shows what it says. */
class PlotTest {
  @TempDir Path dir;

  @Test
  void trainingCurvesPngDecodesAtTheRequestedSize() throws IOException {
    History h = history(8, false);
    Path png = dir.resolve("curves.png");
    TrainingCurves.save(h, png, 1000, 400);
    BufferedImage img = read(png);
    assertEquals(1000, img.getWidth());
    assertEquals(400, img.getHeight());
    assertNotBlank(img);
    assertRejected("TrainingCurves: the history has no epochs", () -> TrainingCurves.render(new History(), 1000, 400));
    assertRejected("at least 200x150, got 100x400", () -> TrainingCurves.render(h, 100, 400));
  }

  @Test
  void trainingCurvesMarkTheBestEpochAndDrawTheLearningRate() throws IOException {
    // the best-epoch line is the only thing drawn in its purple; without a finite monitored value there is none
    int mark = new Color(170, 50, 160).getRGB();
    BufferedImage marked = TrainingCurves.render(history(8, false), 1000, 400);
    assertTrue(count(marked, mark) > 20, "a dashed purple line at the best epoch: " + count(marked, mark) + " pixels");
    History noValue = new History();
    for (int e = 0; e < 3; e++) noValue.record(Map.of("loss", Double.NaN));
    assertEquals(0, count(TrainingCurves.render(noValue, 600, 300), mark), "no finite loss, no best epoch");
    // with "lr" logged the bottom quarter is a learning-rate chart: its series colour appears only there
    int lrColour = new Color(40, 150, 50).getRGB();
    BufferedImage withLr = TrainingCurves.render(history(8, true), 1000, 400);
    assertTrue(count(withLr, lrColour, 300, 400) > 50, "the lr curve below: " + count(withLr, lrColour, 300, 400));
    assertEquals(0, count(marked, lrColour), "no lr, no lr strip");
    TrainingCurves.save(history(8, true), dir.resolve("lr.png"), 1000, 400);
    assertEquals(400, read(dir.resolve("lr.png")).getHeight());
  }

  @Test
  void bestEpochIsTheFirstLowestFiniteValue() {
    assertEquals(2, TrainingCurves.bestEpoch(List.of(3.0, Double.NaN, 1.0, 2.0, 1.0)));
    assertEquals(-1, TrainingCurves.bestEpoch(List.of(Double.NaN, Double.POSITIVE_INFINITY)));
    assertEquals(-1, TrainingCurves.bestEpoch(List.of()));
  }

  @Test
  void comparisonDrawsEachRunInItsColour() throws IOException {
    Map<String, History> runs = new LinkedHashMap<>();
    runs.put("plain", history(6, false));
    runs.put("batch norm", history(10, false));
    Path png = dir.resolve("compare.png");
    TrainingCurves.saveComparison(runs, png, 900, 360);
    BufferedImage img = read(png);
    assertEquals(900, img.getWidth());
    assertNotBlank(img);
    assertTrue(count(img, new Color(31, 100, 180).getRGB()) > 50 && count(img, new Color(230, 110, 20).getRGB()) > 50,
        "both runs' colours drawn");
    assertRejected("the history has no epochs", () -> TrainingCurves.renderComparison(Map.of("a", new History()), 900, 360));
    assertRejected("the history has no epochs", () -> TrainingCurves.renderComparison(new HashMap<>(), 900, 360));
  }

  @Test
  void weightGridStatesItsScalingInTheColours() throws IOException {
    // four 3x3 filters: all +2, all -2, all +0.5, and a ramp from -1 to 0.5 (its largest |w| is negative)
    double[] w = new double[36];
    for (int i = 0; i < 9; i++) {
      w[i] = 2;
      w[9 + i] = -2;
      w[18 + i] = 0.5;
      w[27 + i] = -1 + 1.5 * i / 8;
    }
    try (TensorScope s = new TensorScope()) {
      Tensor conv = Tensor.of(w, 4, 1, 3, 3);
      BufferedImage perTile = WeightGrid.of(conv).render();
      BufferedImage global = WeightGrid.of(conv).scaling(WeightGrid.Scaling.GLOBAL).render();
      assertEquals(perTile.getHeight(), global.getHeight());
      int red = Color.RED.getRGB();
      int blue = Color.BLUE.getRGB();
      // 3x3 filters are enlarged to 48 x 48 pixels; per tile, the +0.5 filter is full red and the ramp's -1 a full-blue
      // 16 x 16 weight; globally only the +-2 filters reach the ends of the scale (the colour bar is the same in both)
      assertEquals(48 * 48, count(perTile, red) - count(global, red), "the +0.5 tile is full red only when scaled alone");
      assertEquals(16 * 16, count(perTile, blue) - count(global, blue), "the ramp's -1 is full blue only when scaled alone");
      assertTrue(count(global, red) >= 48 * 48, "the +2 tile is full red in both");
      Path png = dir.resolve("filters.png");
      WeightGrid.of(conv).title("four filters").save(png);
      assertEquals(perTile.getHeight(), read(png).getHeight());
      assertNotBlank(read(png));
    }
  }

  @Test
  void weightGridEnlargesCapsAndLabels() throws IOException {
    try (TensorScope s = new TensorScope()) {
      Tensor linear = Tensor.empty(DType.FLOAT32, 10, 784);
      new Generator(1).normal(linear, 0, 1);
      Path png = dir.resolve("weights.png");
      WeightGrid.save(linear, png, 2);
      BufferedImage img = read(png);
      assertNotBlank(img);
      // 10 tiles of 28 x 28 weights at 2 pixels each: at least 4 tiles across and 3 down, plus title and bar
      assertTrue(img.getWidth() > 3 * 56 && img.getHeight() > 3 * 56, img.getWidth() + "x" + img.getHeight());
      Tensor many = Tensor.empty(DType.FLOAT32, 2000, 16, 3, 3);
      new Generator(2).normal(many, 0, 1);
      BufferedImage capped = WeightGrid.of(many).maxTiles(64).render();
      BufferedImage all = WeightGrid.of(many).maxTiles(256).render();
      assertTrue(capped.getWidth() * capped.getHeight() * 2 < all.getWidth() * all.getHeight(),
          "64 tiles take far less room than 256: " + capped.getWidth() + "x" + capped.getHeight() + " vs " + all.getWidth() + "x"
          + all.getHeight());
      Tensor rgb = Tensor.empty(DType.FLOAT32, 8, 3, 5, 5);
      new Generator(3).normal(rgb, 0, 1);
      assertNotBlank(WeightGrid.of(rgb).pixelsPerWeight(4).render());
      Tensor odd = Tensor.zeros(3, 10);
      assertRejected("WeightGrid: Linear rows of 10 inputs are not square; give the tile shape with tileShape(height, width)",
          () -> WeightGrid.of(odd).render());
      BufferedImage twoByFive = WeightGrid.of(odd).tileShape(2, 5).render();
      assertTrue(twoByFive.getWidth() > twoByFive.getHeight() / 2, "3 tiles of 2 x 5 drawn: " + twoByFive.getWidth());
      assertRejected("a 3x3 tile does not hold the 10 weights", () -> WeightGrid.of(odd).tileShape(3, 3));
      assertRejected("tileShape is for Linear weights", () -> WeightGrid.of(rgb).tileShape(5, 5));
      assertRejected("expected a Linear (out, in) or conv (out, in, kh, kw) weight", () -> WeightGrid.of(Tensor.zeros(4)));
      assertRejected("pixelsPerWeight must be in [1, 64], got 0", () -> WeightGrid.of(rgb).pixelsPerWeight(0));
      assertRejected("maxTiles must be in [1, 1024], got 0", () -> WeightGrid.of(rgb).maxTiles(0));
      assertRejected("maxTiles must be in [1, 1024], got 1025", () -> WeightGrid.of(rgb).maxTiles(1025));
    }
  }

  @Test
  void labelsKeepFourSignificantDigits() {
    assertEquals("0", Canvas.number(0));
    assertEquals("2", Canvas.number(2.0));
    assertEquals("0.1235", Canvas.number(0.123456));
    assertEquals("-2.69", Canvas.number(-2.69));
    assertEquals("1.00e-05", Canvas.number(1e-5));
    assertEquals("1.23e+06", Canvas.number(1234567));
  }

  @Test
  void figuresRowPlacesImagesSideBySide() throws IOException {
    BufferedImage a = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
    BufferedImage b = new BufferedImage(40, 50, BufferedImage.TYPE_INT_RGB);
    a.setRGB(5, 5, 0xff0000);
    b.setRGB(7, 9, 0x00ff00);
    BufferedImage row = Figures.row(a, b);
    assertEquals(70, row.getWidth());
    assertEquals(50, row.getHeight());
    assertEquals(0xff0000, row.getRGB(5, 5) & 0xffffff);
    assertEquals(0x00ff00, row.getRGB(37, 9) & 0xffffff);
    assertEquals(0xffffff, row.getRGB(10, 40) & 0xffffff, "below the shorter image: white");
    Figures.save(row, dir.resolve("row.png"));
    assertEquals(70, read(dir.resolve("row.png")).getWidth());
    assertRejected("Figures.row: give at least one image", Figures::row);
  }

  @Test
  void lineChartDrawsLinesDashesAndPointsOnALogAxis() throws IOException {
    double[] layer = {1, 2, 3, 4};
    LineChart chart = LineChart.of("norms", "layer", "norm").logY(true).legend(LineChart.Legend.BOTTOM_RIGHT)
        .line("falling", layer, new double[] {1e-6, 1e-4, 1e-2, 1}).dashed("level", layer, new double[] {1, 2, 1, 2})
        .points("data", layer, new double[] {0.5, 0.5, 0.5, 0.5});
    Path png = dir.resolve("line.png");
    chart.save(png, 640, 400);
    BufferedImage img = read(png);
    assertEquals(640, img.getWidth());
    assertEquals(400, img.getHeight());
    assertNotBlank(img);
    assertRejected("series bad needs as many x as y values and at least one, got 4 and 3",
        () -> LineChart.of("t", "x", "y").line("bad", layer, new double[3]));
    assertRejected("a series named level is already in the chart", () -> chart.line("level", layer, layer));
    assertRejected("LineChart: add a series before drawing", () -> LineChart.of("t", "x", "y").render(400, 300));
    assertRejected("image must be at least 200x150, got 100x100", () -> chart.render(100, 100));
  }

  /** Falling training loss, validation loss lowest at the fifth epoch, and rising accuracy; with lr, a decaying rate. */
  static History history(int epochs, boolean lr) {
    History h = new History();
    for (int e = 0; e < epochs; e++) {
      Map<String, Double> logs = new HashMap<>(Map.of("loss", 1.0 / (e + 1), "accuracy", 0.5 + 0.05 * e,
          "val_loss", 1.2 / (e + 1) + 0.1 * Math.max(0, e - 4), "val_accuracy", 0.45 + 0.05 * e));
      if (lr) logs.put("lr", 0.1 * Math.pow(0.5, e));
      h.record(logs);
    }
    return h;
  }

  static BufferedImage read(Path png) throws IOException {
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, png + " decodes as an image");
    return img;
  }

  /** At least 1% of the pixels are not white and there are several colours: something was drawn. */
  static void assertNotBlank(BufferedImage img) {
    int drawn = 0;
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        if (rgb != 0xffffff) drawn++;
        colours.add(rgb);
      }
    }
    assertTrue(drawn > img.getWidth() * img.getHeight() / 100, "only " + drawn + " pixels drawn");
    assertTrue(colours.size() >= 5, "only " + colours.size() + " colours: " + Arrays.toString(colours.toArray()));
  }

  static int count(BufferedImage img, int argb) {
    return count(img, argb, 0, img.getHeight());
  }

  /** Pixels of exactly this colour in rows [y0, y1). */
  static int count(BufferedImage img, int argb, int y0, int y1) {
    int n = 0;
    for (int y = y0; y < y1; y++) for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) | 0xff000000) == (argb | 0xff000000)) n++;
    return n;
  }
}
