package org.jdnn.plot;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.jdnn.plot.PlotTest.assertNotBlank;
import static org.jdnn.plot.PlotTest.count;
import static org.jdnn.plot.PlotTest.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decision regions: the shading follows the classifier, for logits and for scores, from a function or a model. */
@EveryDevice
class DecisionBoundaryTest {
  @TempDir Path dir;

  @Test
  void oneLogitSplitsThePlaneWhereItIsZero() throws IOException {
    // a Linear whose logit is x: class 1 right of the y axis, class 0 left of it
    try (Linear model = new Linear(2, 1); TensorScope s = new TensorScope()) {
      model.weight().write(new float[] {1, 0});
      model.bias().write(new float[] {0});
      Tensor points = Tensor.of(new float[] {-0.5f, 0.5f, 0.5f, -0.5f, 0.8f, 0.8f}, 3, 2);
      Tensor classes = Tensor.ofInts(new int[] {0, 1, 1});
      Path png = dir.resolve("regions.png");
      DecisionBoundary.of((Layer) model).points(points, classes).bounds(-1, 1, -1, 1).title("x > 0").save(png, 400, 400);
      BufferedImage img = read(png);
      assertEquals(400, img.getWidth());
      assertNotBlank(img);
      // the plot spans most of the width: a quarter in is the left half-plane, three quarters in the right one
      assertEquals(Palette.region(0).getRGB(), img.getRGB(130, 200) | 0xff000000);
      assertEquals(Palette.region(1).getRGB(), img.getRGB(320, 200) | 0xff000000);
      assertTrue(count(img, Palette.of(1).getRGB()) > 2 * 40, "two class-1 points drawn in full colour");
      assertTrue(count(img, Palette.of(0).darker().getRGB()) > 100, "the boundary drawn darker");
    }
  }

  @Test
  void scoresPickTheArgMax() {
    // three classes by quadrant-like rules: scores (x, y, -x - y)
    DecisionBoundary three = DecisionBoundary.of(x -> x.matmul(Tensor.of(new float[] {1, 0, -1, 0, 1, -1}, 2, 3)))
        .bounds(-1, 1, -1, 1);
    BufferedImage img = three.render(300, 300);
    for (int k = 0; k < 3; k++) assertTrue(count(img, Palette.region(k).getRGB()) > 1000, "class " + k + " has a region");
    assertRejected("the image must be between 160x160 and 4000x4000, got 100x300", () -> three.render(100, 300));
    assertRejected("it must return (N, C) scores or (N, 1) logits",
        () -> DecisionBoundary.of(x -> Tensor.zeros(3)).render(200, 200));
    try (TensorScope s = new TensorScope()) {
      assertRejected("expected points (N, 2) and N classes", () -> three.points(Tensor.zeros(4, 3), Tensor.zeros(4)));
      assertRejected("is not a class index", () -> three.points(Tensor.zeros(1, 2), Tensor.of(new float[] {-1}, 1)));
    }
    assertRejected("bounds must be finite with xMax > xMin", () -> three.bounds(1, 1, 0, 1));
  }
}
