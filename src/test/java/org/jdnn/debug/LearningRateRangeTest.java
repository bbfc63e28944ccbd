package org.jdnn.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Generator;
import org.jdnn.testing.EveryDevice;
import org.jdnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LrRangeTest: the sweep's rates and smoothing follow their formulas, the loss diverges at large
 * rates and stops the sweep, the suggestion follows the stated rule, the PNG decodes and is not
 * blank, and afterwards every bit of the model, the optimizer and the generator is as before, so
 * training continues exactly as without the test.
 */
@EveryDevice
class LearningRateRangeTest {
  @TempDir Path dir;

  /** Two classes by the sign of the first coordinate, 4 features. */
  private static ArrayDataset data(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * 4];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) r.nextGaussian();
      y[i] = x[i * 4] > 0 ? 1 : 0;
    }
    return ArrayDataset.withLabels(x, new long[] {4}, y);
  }

  /** Batch norm (buffers, an int64 counter) and dropout (draws from the global generator). */
  private static Sequential model() {
    return new Sequential(new Linear(4, 16), new BatchNorm1d(16), new ReLU(), new Dropout(0.2), new Linear(16, 2));
  }

  @Test
  void theModelOptimizerAndGeneratorComeBackBitForBitAndTrainingContinuesAsWithout() {
    Map<String, Object> plainEnd;
    try (ArrayDataset train = data(64, 1)) {
      Generator.manualSeed(2);
      try (Sequential net = model(); Adam adam = new Adam(net.parameters(), 0.01)) {
        new Trainer(net, adam, new CrossEntropyLoss()).epochs(1).batchSize(16).seed(3).fit(train, null);
        net.get(2).eval();  // a mode set apart from its parent's must come back too
        new Trainer(net, adam, new CrossEntropyLoss()).epochs(1).batchSize(16).seed(4).fit(train, null);
        plainEnd = StateBits.of(net, adam);
      }
      Generator.manualSeed(2);
      try (Sequential net = model(); Adam adam = new Adam(net.parameters(), 0.01)) {
        new Trainer(net, adam, new CrossEntropyLoss()).epochs(1).batchSize(16).seed(3).fit(train, null);
        net.get(2).eval();
        Map<String, Object> before = StateBits.of(net, adam);
        long bytes = net.device().bytesInUse();
        LrRangeResult r = new LrRangeTest(net, adam, new CrossEntropyLoss()).rates(1e-4, 10).steps(60).batches(8, 5).run(train);
        assertTrue(r.rates().length > 5, r.toString());
        assertEquals(before, StateBits.of(net, adam));
        assertEquals(bytes, net.device().bytesInUse(), "the sweep's tensors and the snapshot's copies are freed");
        new Trainer(net, adam, new CrossEntropyLoss()).epochs(1).batchSize(16).seed(4).fit(train, null);
        assertEquals(plainEnd, StateBits.of(net, adam), "training after the test equals training without it");
      }
    }
  }

  @Test
  void theSweepFollowsItsFormulasAndStopsWhenTheLossDiverges() {
    Generator.manualSeed(6);
    try (ArrayDataset train = data(128, 7);
        Sequential net = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 2));
        SGD sgd = new SGD(net.parameters(), 0.1)) {
      LrRangeResult r = new LrRangeTest(net, sgd, new CrossEntropyLoss()).rates(1e-3, 1e4).steps(200).smoothing(0.8)
          .batches(16, 1).run(train);
      int n = r.rates().length;
      assertTrue(n < 200, "an SGD rate of 1e4 diverges before the end: " + r);
      assertTrue(r.stopReason().startsWith("the smoothed loss exceeded 4.0 times its lowest")
          || r.stopReason().startsWith("the loss became"), r.stopReason());
      double avg = 0;
      for (int i = 0; i < n; i++) {
        assertEquals(1e-3 * Math.pow(1e7, i / 199.0), r.rates()[i], 1e-12 * r.rates()[i]);
        avg = 0.8 * avg + 0.2 * r.losses()[i];
        assertEquals(avg / (1 - Math.pow(0.8, i + 1)), r.smoothed()[i], 1e-12 * Math.abs(avg) + 1e-300);
      }
      assertTrue(r.losses()[r.minimumIndex()] < r.losses()[0], "the loss fell somewhere in the sweep: " + r);
      assertEquals(r.minLossRate() / 10, r.suggestedRate(), 0.0);
      assertEquals(0.1, sgd.learningRate(), 0.0, "the rate is restored");
    }
  }

  @Test
  void theSuggestionFollowsTheStatedRuleOnAKnownCurve() {
    double[] rates = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1};
    double[] smoothed = {2.0, 1.9, 1.2, 0.9, 0.8, 5.0};
    LrRangeResult r = new LrRangeResult(rates, smoothed, smoothed, "test");
    assertEquals(4, r.minimumIndex());
    assertEquals(1e-1, r.minLossRate(), 0.0);
    assertEquals(1e-2, r.suggestedRate(), 1e-18);
    assertEquals(1e-3, r.steepestRate(), 0.0, "the largest fall per decade is 1.9 -> 1.2");
    LrRangeResult none = new LrRangeResult(new double[] {1e-3}, new double[] {Double.NaN}, new double[] {Double.NaN}, "nan");
    IllegalStateException e = assertThrows(IllegalStateException.class, none::suggestedRate);
    assertTrue(e.getMessage().contains("no step had a finite loss"), e.getMessage());
  }

  @Test
  void itsPngDecodesAtTheRequestedSizeAndIsNotBlank() throws IOException {
    Generator.manualSeed(8);
    try (ArrayDataset train = data(64, 9);
        Sequential net = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
        SGD sgd = new SGD(net.parameters(), 0.1)) {
      LrRangeResult r = new LrRangeTest(net, sgd, new CrossEntropyLoss()).rates(1e-4, 100).steps(100).batches(16, 2).run(train);
      Path png = dir.resolve("lr.png");
      r.savePng(png, 800, 500);
      BufferedImage img = ImageIO.read(png.toFile());
      assertNotNull(img);
      assertEquals(800, img.getWidth());
      assertEquals(500, img.getHeight());
      assertTrue(PngChecks.colours(img) > 10);
      assertNotEquals(-1, r.minimumIndex());
    }
  }

  @Test
  void badSettingsAreRefusedNamingTheSetting() {
    try (Linear l = new Linear(2, 2); SGD sgd = new SGD(l.parameters(), 0.1)) {
      LrRangeTest t = new LrRangeTest(l, sgd, new CrossEntropyLoss());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.rates(1, 0.1));
      assertEquals("LrRangeTest.rates: need 0 < min < max, finite, got min 1.0, max 0.1", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.steps(1));
      assertThrows(IllegalArgumentException.class, () -> t.smoothing(1));
      assertThrows(IllegalArgumentException.class, () -> t.divergence(1));
      assertThrows(IllegalArgumentException.class, () -> new LrRangeTest(null, sgd, new CrossEntropyLoss()));
    }
  }
}
