package org.jdnn.optim.schedule;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jdnn.optim.ParamGroup;
import org.jdnn.optim.ParamGroups;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Learning-rate sequences of each schedule against values worked out by hand. */
class ScheduleTest {
  private TensorScope scope;
  private Tensor a;
  private Tensor b;

  @BeforeEach
  void setUp() {
    scope = new TensorScope();
    a = Tensor.of(new double[] {1}).requiresGrad(true);
    b = Tensor.of(new double[] {1}).requiresGrad(true);
  }

  @AfterEach
  void tearDown() {
    scope.close();
  }

  private SGD sgd(double lr) {
    return new SGD(List.of(a), lr);
  }

  /** lr after construction and after each of {@code steps} steps (index k: after k steps). */
  private static double[] sequence(SGD opt, LRSchedule s, int steps) {
    double[] out = new double[steps + 1];
    out[0] = opt.learningRate();
    for (int k = 1; k <= steps; k++) {
      s.step();
      out[k] = opt.learningRate();
    }
    return out;
  }

  private static void assertSequence(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length);
    for (int k = 0; k < expected.length; k++) {
      assertEquals(expected[k], actual[k], 1e-15 * Math.abs(expected[k]), "lr after " + k + " steps");
    }
  }

  @Test
  void stepLrIsAStaircase() {
    SGD opt = sgd(0.1);
    double[] expected = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.00625};
    assertSequence(expected, sequence(opt, new StepLR(opt, 3, 0.5), 12));
  }

  @Test
  void stepLrDefaultGammaIsATenth() {
    SGD opt = sgd(1.0);
    assertSequence(new double[] {1, 1, 0.1, 0.1, 0.01}, sequence(opt, new StepLR(opt, 2), 4));
  }

  @Test
  void multiStepLrCountsMilestonesReachedInAnyOrder() {
    SGD opt = sgd(1.0);
    double[] expected = {1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001};
    assertSequence(expected, sequence(opt, new MultiStepLR(opt, new int[] {5, 2, 9}), 11));
    SGD twice = sgd(1.0);
    assertSequence(new double[] {1, 1, 0.25, 0.25}, sequence(twice, new MultiStepLR(twice, new int[] {2, 2}, 0.5), 3));
  }

  @Test
  void exponentialLrMultipliesEveryStep() {
    SGD opt = sgd(0.2);
    double[] expected = new double[16];
    expected[0] = 0.2;
    for (int k = 1; k < expected.length; k++) expected[k] = expected[k - 1] * 0.9;
    assertSequence(expected, sequence(opt, new ExponentialLR(opt, 0.9), 15));
  }

  @Test
  void cosineAnnealingFollowsHalfACosineThenRisesAgain() {
    SGD opt = sgd(0.1);
    double[] expected = new double[15];
    for (int e = 0; e < expected.length; e++) expected[e] = 0.001 + (0.1 - 0.001) * (1 + Math.cos(Math.PI * e / 10)) / 2;
    double[] actual = sequence(opt, new CosineAnnealingLR(opt, 10, 0.001), 14);
    assertSequence(expected, actual);
    assertEquals(0.001, actual[10], 1e-15);
    assertEquals(0.1 - (0.1 - 0.001) / 2, actual[5], 1e-15);
    assertTrue(actual[11] > actual[10], "past tMax the cosine rises, as torch's");
  }

  @Test
  void cosineWithWarmupRisesLinearlyThenAnneals() {
    SGD opt = sgd(0.1);
    double[] actual = sequence(opt, new CosineAnnealingLR(opt, 10, 0, 3, 0.1), 10);
    double[] expected = {0.01, 0.04, 0.07, 0.1,
        0.05 * (1 + Math.cos(Math.PI / 7)), 0.05 * (1 + Math.cos(2 * Math.PI / 7)), 0.05 * (1 + Math.cos(3 * Math.PI / 7)),
        0.05 * (1 + Math.cos(4 * Math.PI / 7)), 0.05 * (1 + Math.cos(5 * Math.PI / 7)), 0.05 * (1 + Math.cos(6 * Math.PI / 7)), 0};
    for (int k = 0; k < expected.length; k++) assertEquals(expected[k], actual[k], 1e-15, "lr after " + k + " steps");
  }

  @Test
  void eachGroupIsScheduledFromItsOwnBaseRate() {
    SGD opt = new SGD(ParamGroups.of(ParamGroup.of(a), ParamGroup.of(b).lr(0.01)), 0.1);
    StepLR s = new StepLR(opt, 2, 0.5);
    s.step();
    s.step();
    assertEquals(0.05, opt.learningRate(0), 1e-17);
    assertEquals(0.005, opt.learningRate(1), 1e-18);
    assertEquals(0.01, s.baseLearningRate(1));
  }

  @Test
  void scheduleStateRestoresTheSequence() {
    Function<SGD, LRSchedule> make = o -> new CosineAnnealingLR(o, 12, 0.0, 2, 0.25);
    SGD straightOpt = sgd(0.3);
    double[] straight = sequence(straightOpt, make.apply(straightOpt), 10);
    SGD firstOpt = sgd(0.3);
    LRSchedule first = make.apply(firstOpt);
    for (int k = 0; k < 4; k++) first.step();
    Map<String, Object> saved = new LinkedHashMap<>(first.state());
    assertEquals(4, saved.get("last_epoch"));
    assertEquals(0.3, saved.get("base_lr.0"));
    SGD resumedOpt = sgd(0.3);
    LRSchedule resumed = make.apply(resumedOpt);
    resumed.loadState(saved);
    assertEquals(straight[4], resumedOpt.learningRate(), "loading sets the restored epoch's rate");
    for (int k = 5; k <= 10; k++) {
      resumed.step();
      assertEquals(straight[k], resumedOpt.learningRate(), "lr after " + k + " steps");
    }
    Map<String, Object> bad = new LinkedHashMap<>(saved);
    bad.put("last_epoch", -1);
    assertRejected("last_epoch", () -> resumed.loadState(bad));
    bad.put("last_epoch", 2);
    bad.remove("base_lr.0");
    assertRejected("base_lr.0", () -> resumed.loadState(bad));
    bad.put("base_lr.0", 0.1);
    bad.put("extra", 1);
    assertRejected("extra", () -> resumed.loadState(bad));
  }

  // ---- ReduceLROnPlateau ----------------------------------------------------------------------

  /** Metrics for min mode; the comments give best, bad-epoch count and cooldown after each step. */
  private static final double[] PLATEAU_METRICS = {
      1.0,      // better: best 1.0
      0.9,      // better: best 0.9
      0.95,     // bad 1
      0.91,     // bad 2
      0.9,      // not below 0.9 (1 - 1e-4): bad 3 > patience 2: lr 0.1 -> 0.05, cooldown 1
      0.89995,  // still not better (needs < 0.89991): bad 1, zeroed by the cooldown
      0.8,      // better
      0.85, 0.85,
      0.85,     // bad 3: lr 0.05 -> 0.025
      0.85,     // cooldown
      0.85, 0.85,
      0.85,     // bad 3: 0.0125 is below minLr 0.02: lr 0.02
      0.85, 0.85, 0.85,
      0.85};    // bad 3: lr stays 0.02 (already at minLr)
  private static final double[] PLATEAU_LRS = {
      0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02};

  private ReduceLROnPlateau plateau(SGD opt) {
    return new ReduceLROnPlateau(opt).factor(0.5).patience(2).cooldown(1).minLr(0.02);
  }

  @Test
  void reduceOnPlateauWithPatienceCooldownAndMinimum() {
    SGD opt = sgd(0.1);
    ReduceLROnPlateau s = plateau(opt);
    for (int k = 0; k < PLATEAU_METRICS.length; k++) {
      s.step(PLATEAU_METRICS[k]);
      assertEquals(PLATEAU_LRS[k], opt.learningRate(), 1e-17, "lr after metric " + k + " (" + PLATEAU_METRICS[k] + ")");
    }
    assertEquals(0.8, s.best());
  }

  @Test
  void reduceOnPlateauStateResumes() {
    SGD opt = sgd(0.1);
    ReduceLROnPlateau first = plateau(opt);
    for (int k = 0; k < 9; k++) first.step(PLATEAU_METRICS[k]);
    Map<String, Object> saved = first.state();
    assertEquals(Map.of("last_epoch", 9, "num_bad_epochs", 2, "cooldown_counter", 0, "best", 0.8), saved);
    SGD resumedOpt = sgd(0.05); // the optimizer's own state carries the rate
    ReduceLROnPlateau resumed = plateau(resumedOpt);
    resumed.loadState(saved);
    for (int k = 9; k < PLATEAU_METRICS.length; k++) {
      resumed.step(PLATEAU_METRICS[k]);
      assertEquals(PLATEAU_LRS[k], resumedOpt.learningRate(), 1e-17, "lr after metric " + k);
    }
    assertTrue(!plateau(sgd(0.1)).state().containsKey("best"), "no infinite best in the JSON-friendly state");
  }

  @Test
  void reduceOnPlateauMaxModeWithAbsoluteThreshold() {
    SGD opt = sgd(1.0);
    ReduceLROnPlateau s = new ReduceLROnPlateau(opt).mode(ReduceLROnPlateau.Mode.MAX)
        .thresholdMode(ReduceLROnPlateau.ThresholdMode.ABS).threshold(0.05).patience(1);
    double[] accuracy = {0.5, 0.54, 0.56, 0.57, Double.NaN, 0.7};
    // 0.54 is not above 0.5 + 0.05 (bad 1); 0.56 is (best 0.56); 0.57 bad 1; NaN bad 2 > 1: lr 0.1; 0.7 better
    double[] lrs = {1, 1, 1, 1, 0.1, 0.1};
    for (int k = 0; k < accuracy.length; k++) {
      s.step(accuracy[k]);
      assertEquals(lrs[k], opt.learningRate(), 1e-16, "lr after metric " + k);
    }
    assertEquals(0.7, s.best());
  }

  // ---- linear scaling and bad arguments ---------------------------------------------------------

  @Test
  void linearScalingRule() {
    assertEquals(0.4, LinearScaling.lr(0.1, 256, 1024), 1e-16);
    assertEquals(0.05, LinearScaling.lr(0.1, 256, 128), 1e-16);
  }


  @Test
  void badHyperParametersThrowNamingTheValue() {
    SGD opt = sgd(0.1);
    assertRejected("stepSize must be >= 1, got 0", () -> new StepLR(opt, 0));
    assertRejected("gamma must be a finite number > 0, got -0.5", () -> new StepLR(opt, 2, -0.5));
    assertRejected("milestones must be >= 0, got -3", () -> new MultiStepLR(opt, new int[] {2, -3}));
    assertRejected("gamma must be a finite number > 0, got NaN", () -> new ExponentialLR(opt, Double.NaN));
    assertRejected("tMax must be >= 1, got 0", () -> new CosineAnnealingLR(opt, 0));
    assertRejected("etaMin must be a finite number >= 0, got -1.0", () -> new CosineAnnealingLR(opt, 5, -1.0));
    assertRejected("warmup must be in [0, tMax=5), got 5", () -> new CosineAnnealingLR(opt, 5, 0, 5, 0.1));
    assertRejected("warmupStartFactor must be in (0, 1], got 1.5", () -> new CosineAnnealingLR(opt, 5, 0, 2, 1.5));
    assertRejected("factor must be in [0, 1), got 1.0", () -> new ReduceLROnPlateau(opt).factor(1.0));
    assertRejected("patience must be >= 0, got -1", () -> new ReduceLROnPlateau(opt).patience(-1));
    assertRejected("cooldown must be >= 0, got -2", () -> new ReduceLROnPlateau(opt).cooldown(-2));
    assertRejected("minLr must be a finite number >= 0, got -0.1", () -> new ReduceLROnPlateau(opt).minLr(-0.1));
    assertRejected("threshold must be a finite number >= 0, got Infinity",
        () -> new ReduceLROnPlateau(opt).threshold(Double.POSITIVE_INFINITY));
    assertRejected("batch must be >= 1, got 0", () -> LinearScaling.lr(0.1, 32, 0));
    assertRejected("baseBatch must be >= 1, got -8", () -> LinearScaling.lr(0.1, -8, 32));
    assertRejected("baseLr must be a finite number >= 0, got -0.1", () -> LinearScaling.lr(-0.1, 32, 64));
  }
}
