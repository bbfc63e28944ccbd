package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Generator;
import org.junit.jupiter.api.Test;

/** The held-out validation set: sizes, class proportions, reproducibility, and the trainer using it. */
class ValidationSplitTest {
  // 50 samples of class 0, 30 of class 1, 20 of class 2, interleaved
  private static ArrayDataset imbalanced() {
    int[] y = new int[100];
    for (int i = 0; i < 100; i++) y[i] = i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2;
    float[] x = new float[100];
    for (int i = 0; i < 100; i++) x[i] = i;
    return ArrayDataset.withLabels(x, new long[] {1}, y);
  }

  private static int[] classCounts(int[] idx) {
    int[] c = new int[3];
    for (int i : idx) c[i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2]++;
    return c;
  }

  @Test
  void aShuffledSplitHoldsOutTheFractionOnceEach() {
    try (ArrayDataset d = imbalanced()) {
      int[][] p = new ValidationSplit(0.1, false).indices(d, 42);
      assertEquals(90, p[0].length);
      assertEquals(10, p[1].length);
      int[] all = new int[100];
      System.arraycopy(p[0], 0, all, 0, 90);
      System.arraycopy(p[1], 0, all, 90, 10);
      Arrays.sort(all);
      for (int i = 0; i < 100; i++) assertEquals(i, all[i], "every sample in exactly one part");
      assertArrayEquals(p[1], new ValidationSplit(0.1, false).indices(d, 42)[1], "the same seed holds out the same samples");
      assertFalse(Arrays.equals(p[1], new ValidationSplit(0.1, false).indices(d, 43)[1]), "another seed, other samples");
      boolean shuffled = false;
      for (int k = 0; k < 10; k++) shuffled |= p[1][k] != 90 + k;
      assertTrue(shuffled, "not simply the last tenth");
    }
  }

  @Test
  void aStratifiedSplitKeepsEachClassInProportion() {
    try (ArrayDataset d = imbalanced()) {
      assertArrayEquals(new int[] {5, 3, 2}, classCounts(new ValidationSplit(0.1, true).indices(d, 1)[1]));
      assertArrayEquals(new int[] {45, 27, 18}, classCounts(new ValidationSplit(0.1, true).indices(d, 1)[0]));
      // 0.25 of 50, 30, 20: 12.5, 7.5 and 5, rounded half up
      assertArrayEquals(new int[] {13, 8, 5}, classCounts(new ValidationSplit(0.25, true).indices(d, 9)[1]));
    }
  }

  @Test
  void impossibleSplitsAreRefusedSayingWhy() {
    assertRejected("fraction must be in (0, 1), e.g. 0.1 for a tenth, got 1.0", () -> new ValidationSplit(1, false));
    try (Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.1)) {
      assertRejected("fraction must be in (0, 1), e.g. 0.1 for a tenth, got 0.0",
          () -> new Trainer(m, sgd, new CrossEntropyLoss()).validationSplit(0, true));
    }
    try (ArrayDataset three = ArrayDataset.withLabels(new float[3], new long[] {1}, new int[] {0, 1, 2})) {
      assertRejected("holding out 0.1 of 3 samples leaves no validation samples; use a larger fraction",
          () -> new ValidationSplit(0.1, false).indices(three, 0));
    }
    try (ArrayDataset r = ArrayDataset.withTargets(new float[4], new long[] {1}, new float[4], new long[] {1})) {
      assertRejected("a stratified split needs class labels", () -> new ValidationSplit(0.5, true).indices(r, 0));
    }
  }

  @Test
  void fitWithoutValidationDataValidatesOnTheHeldOutShare() {
    Generator.manualSeed(2);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ArrayDataset data = TrainerTestData.blobs(120, 4); Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.05)) {
      History h = new Trainer(m, sgd, new CrossEntropyLoss()).epochs(2).batchSize(16).seed(3).validationSplit(0.25, true)
          .messages(new PrintStream(bytes, true, StandardCharsets.UTF_8)).fit(data, null);
      assertEquals(2, h.get("val_loss").size());
      String out = bytes.toString(StandardCharsets.UTF_8);
      int held = new ValidationSplit(0.25, true).indices(data, 3)[1].length;
      assertTrue(out.contains(String.format("%d training samples, %d validation samples (stratified validation split of 0.25)",
          120 - held, held)), out);
    }
  }
}
