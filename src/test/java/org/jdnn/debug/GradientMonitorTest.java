package org.jdnn.debug;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.MSELoss;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Tanh;
import org.jdnn.optim.Adam;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.jdnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GradientMonitor: gradient norms and update-to-weight ratios against values computed from the
 * definition on the host (gradients read before the step, weights before and after), NaN for a
 * parameter no gradient reached, a Trainer fit recording every step and writing a PNG that decodes
 * and is not blank, and the hooks gone afterwards.
 */
@EveryDevice
class GradientMonitorTest {
  @TempDir Path dir;

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    return Math.sqrt(s);
  }

  private static double normOfDifference(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
    return Math.sqrt(s);
  }

  private static Tensor inputs(int rows, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[rows * 4];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return Tensor.of(v, rows, 4);
  }

  @Test
  void normsAndRatiosMatchTheDefinitionStepByStep() {
    Generator.manualSeed(8);
    try (Sequential net = new Sequential(new Linear(4, 5), new Tanh(), new Linear(5, 2));
        SGD sgd = new SGD(net.parameters(), 0.1).momentum(0.9);
        GradientMonitor monitor = new GradientMonitor().attach(net);
        GradientMonitor layers = new GradientMonitor().perLayer(true).attach(net);
        TensorScope s = new TensorScope()) {
      Tensor x = inputs(8, 1);
      Tensor y = inputs(4, 2).reshape(8, 2);
      List<String> names = List.copyOf(net.namedParameters().keySet());
      List<double[]> expectedNorms = new ArrayList<>(), expectedRatios = new ArrayList<>();
      List<double[]> layerNorms = new ArrayList<>(), layerRatios = new ArrayList<>();  // layers "0" and "2"
      for (int step = 0; step < 3; step++) {
        try (TensorScope st = new TensorScope()) {
          sgd.zeroGrad();
          new MSELoss().compute(net.call(x), y).backward();
          double[] n = new double[names.size()], r = new double[names.size()];
          List<float[]> before = new ArrayList<>();
          for (int i = 0; i < names.size(); i++) {
            Tensor p = net.namedParameters().get(names.get(i));
            n[i] = norm(p.grad().toFloatArray());
            before.add(p.toFloatArray());
          }
          sgd.step();
          double[] u = new double[names.size()], w = new double[names.size()];
          for (int i = 0; i < names.size(); i++) {
            float[] after = net.namedParameters().get(names.get(i)).toFloatArray();
            u[i] = normOfDifference(after, before.get(i));
            w[i] = norm(before.get(i));
            r[i] = u[i] / w[i];
          }
          expectedNorms.add(n);
          expectedRatios.add(r);
          // parameters 0, 1 are layer "0"'s weight and bias, 2, 3 layer "2"'s
          layerNorms.add(new double[] {Math.hypot(n[0], n[1]), Math.hypot(n[2], n[3])});
          layerRatios.add(new double[] {Math.hypot(u[0], u[1]) / Math.hypot(w[0], w[1]),
              Math.hypot(u[2], u[3]) / Math.hypot(w[2], w[3])});
          monitor.record(step);
          layers.record(step);
        }
      }
      assertArrayEquals(new long[] {0, 1, 2}, monitor.steps());
      assertEquals(names, monitor.seriesNames());
      for (int i = 0; i < names.size(); i++) {
        double[] norms = monitor.gradientNorms(names.get(i));
        double[] ratios = monitor.updateRatios(names.get(i));
        for (int step = 0; step < 3; step++) {
          double en = expectedNorms.get(step)[i], er = expectedRatios.get(step)[i];
          assertEquals(en, norms[step], 1e-12 * en, names.get(i) + " norm at step " + step);
          assertEquals(er, ratios[step], 1e-12 * er, names.get(i) + " ratio at step " + step);
          assertTrue(en > 0 && er > 0);
        }
      }
      assertEquals(List.of("0", "2"), layers.seriesNames());
      for (int l = 0; l < 2; l++) {
        String layer = l == 0 ? "0" : "2";
        for (int step = 0; step < 3; step++) {
          double en = layerNorms.get(step)[l], er = layerRatios.get(step)[l];
          assertEquals(en, layers.gradientNorms(layer)[step], 1e-12 * en, "layer " + layer + " norm at step " + step);
          assertEquals(er, layers.updateRatios(layer)[step], 1e-12 * er, "layer " + layer + " ratio at step " + step);
        }
      }
    }
  }

  @Test
  void aParameterNoGradientReachedIsNaNAndARecordWithoutAnyGradientIsRefused() {
    Generator.manualSeed(9);
    try (Sequential net = new Sequential(new Linear(4, 3), new Linear(3, 2));
        SGD sgd = new SGD(net.parameters(), 0.1);
        GradientMonitor monitor = new GradientMonitor().attach(net);
        TensorScope s = new TensorScope()) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> monitor.record(0));
      assertTrue(e.getMessage().startsWith("GradientMonitor.record: no parameter received a gradient"), e.getMessage());
      net.get(0).call(inputs(4, 5)).sum().backward();  // the second layer is not used
      sgd.step();
      monitor.record(0);
      assertTrue(monitor.gradientNorms("0.weight")[0] > 0);
      assertTrue(Double.isNaN(monitor.gradientNorms("1.weight")[0]));
      assertTrue(Double.isNaN(monitor.updateRatios("1.bias")[0]));
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> monitor.gradientNorms("2.weight"));
      assertTrue(bad.getMessage().contains("no series named '2.weight'"), bad.getMessage());
    }
  }

  @Test
  void asATrainerCallbackItRecordsEveryStepPrintsAndWritesItsPng() throws IOException {
    Generator.manualSeed(10);
    SplittableRandom r = new SplittableRandom(4);
    float[] x = new float[40 * 4];
    int[] labels = new int[40];
    for (int i = 0; i < 40; i++) {
      for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) r.nextGaussian();
      labels[i] = x[i * 4] > 0 ? 1 : 0;
    }
    Path png = dir.resolve("gradients.png");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    GradientMonitor monitor = new GradientMonitor().printEvery(5, new PrintStream(printed, true, StandardCharsets.UTF_8))
        .savePngAtEnd(png, 900, 400);
    try (ArrayDataset data = ArrayDataset.withLabels(x, new long[] {4}, labels);
        Sequential net = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
        Adam adam = new Adam(net.parameters(), 0.01)) {
      new Trainer(net, adam, new CrossEntropyLoss()).epochs(2).batchSize(8).seed(1).callbacks(monitor).fit(data, null);
      assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, monitor.steps());
      for (String name : monitor.seriesNames()) {
        for (double v : monitor.gradientNorms(name)) assertTrue(v > 0 && Double.isFinite(v), name + ": " + v);
        for (double v : monitor.updateRatios(name)) assertTrue(v > 0 && Double.isFinite(v), name + ": " + v);
      }
      String text = printed.toString(StandardCharsets.UTF_8);
      assertEquals(2, text.lines().count(), text);
      assertTrue(text.startsWith("step 0:  0.weight |g| "), text);
      assertThrows(IllegalStateException.class, () -> monitor.record(10), "detached at the end of the fit");
    }
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img);
    assertEquals(900, img.getWidth());
    assertEquals(400, img.getHeight());
    assertTrue(PngChecks.colours(img) > 10, "the picture has lines and text, not one colour");
  }
}
