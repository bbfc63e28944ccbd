package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Normalizer;
import org.jdnn.io.ModelFile;
import org.jdnn.io.SavedModel;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  @TempDir Path dir;

  @Test
  void fitLearnsAndLogsLossAccuracyAndTopK() {
    Generator.manualSeed(3);
    try (ArrayDataset train = TrainerTestData.blobs(256, 1); ArrayDataset val = TrainerTestData.blobs(128, 2);
        Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.02);
        TensorScope s = new TensorScope()) {
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(15).batchSize(32).seed(5)
          .normalizer(Normalizer.fit(train)).metrics(Metric.accuracy(), Metric.topK(2));
      History h = t.fit(train, val);
      assertEquals(List.of("loss", "accuracy", "top2_accuracy", "val_loss", "val_accuracy", "val_top2_accuracy", "lr"),
          h.metrics());
      for (double lr : h.get("lr")) assertEquals(adam.learningRate(), lr, 0.0, "each epoch's learning rate");
      assertEquals(15, h.epochs());
      assertTrue(h.get("loss").get(14) < h.get("loss").get(0) / 2, "loss falls: " + h.get("loss"));
      assertTrue(h.get("val_accuracy").get(14) > 0.9, "val accuracy " + h.get("val_accuracy"));
      assertTrue(h.get("val_top2_accuracy").get(14) >= h.get("val_accuracy").get(14));
      Map<String, Double> ev = t.evaluate(val);
      assertEquals(h.get("val_loss").get(14), ev.get("loss"), 1e-9);
      Tensor p = t.predict(val.features());
      assertArrayEquals(new long[] {128, 3}, p.shape());
      assertTrue(model.isTraining(), "predict restores the mode");
    }
  }

  @Test
  void topKCountsLabelsAmongTheKLargestScores() {
    try (TensorScope s = new TensorScope()) {
      Metric top2 = Metric.topK(2);
      top2.reset();
      top2.update(Tensor.of(new float[] {0.1f, 0.5f, 0.4f, 3, 2, 1, 1, 1, 1}, 3, 3), Tensor.ofInts(new int[] {2, 2, 0}));
      assertEquals(1.0 / 3, top2.value(), 1e-12, "row 0 in top 2, row 1 not, row 2 all tied");
      Metric acc = Metric.accuracy();
      acc.reset();
      acc.update(Tensor.of(new float[] {0, 1, 1, 0}, 2, 2), Tensor.of(new float[] {0, 1, 0, 1}, 2, 2));
      assertEquals(0.5, acc.value());
    }
  }

  /** A metric replaying a fixed sequence, one value per epoch, so early stopping's decisions are known. */
  private static final class Scripted implements Metric {
    private final double[] values;
    private int epoch = -1;

    Scripted(double... values) {
      this.values = values;
    }

    public String name() {
      return "score";
    }

    public void reset() {
      epoch++;
    }

    public void update(Tensor output, Tensor target) {}

    public double value() {
      return values[epoch];
    }
  }

  @Test
  void earlyStoppingStopsAtTheRightEpochAndRestoresTheBestWeights() {
    Generator.manualSeed(4);
    try (ArrayDataset train = TrainerTestData.blobs(64, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.01)) {
      List<float[]> weightsPerEpoch = new ArrayList<>();
      Callback recorder = new Callback() {
        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
          weightsPerEpoch.add(t.model().namedParameters().get("0.weight").toFloatArray());
        }
      };
      // best at epoch 3 (2.5); 2.45 is not better by more than minDelta 0.1; patience 3 stops at epoch 6
      EarlyStopping es = new EarlyStopping("score", 3).mode(MonitorMode.MIN).minDelta(0.1);
      History h = new Trainer(model, adam, new CrossEntropyLoss()).epochs(20).batchSize(16)
          .metrics(new Scripted(5, 3, 4, 2.5, 2.45, 2.6, 2.7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1))
          .callbacks(recorder, es).fit(train, null);
      assertEquals(7, h.epochs());
      assertEquals(6, es.stoppedEpoch());
      assertEquals(3, es.bestEpoch());
      assertEquals(2.5, es.best());
      float[] now = model.namedParameters().get("0.weight").toFloatArray();
      assertArrayEquals(weightsPerEpoch.get(3), now, "best weights restored");
      assertFalse(java.util.Arrays.equals(weightsPerEpoch.get(6), now));
    }
  }

  @Test
  void modelCheckpointKeepsLastAndBestAndLeavesNoTemporaryFiles() throws IOException {
    Generator.manualSeed(5);
    try (ArrayDataset train = TrainerTestData.blobs(128, 1); ArrayDataset val = TrainerTestData.blobs(64, 2);
        Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01);
        TensorScope s = new TensorScope()) {
      ModelCheckpoint ckpt = new ModelCheckpoint(dir, "val_accuracy");
      List<float[]> predictions = new ArrayList<>();
      Callback recorder = new Callback() {
        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
          predictions.add(t.predict(val.features()).toFloatArray());
        }
      };
      Normalizer norm = Normalizer.fit(train);
      new Trainer(model, adam, new CrossEntropyLoss()).epochs(4).batchSize(32).normalizer(norm).metrics(Metric.accuracy())
          .callbacks(recorder, ckpt).fit(train, val);
      try (var files = Files.list(dir)) {
        assertEquals(List.of(ModelCheckpoint.BEST, ModelCheckpoint.LAST),
            files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
      }
      try (SavedModel best = ModelFile.load(ckpt.bestPath())) {
        assertEquals(norm, best.normalizer());
        assertArrayEquals(predictions.get(ckpt.bestEpoch()), best.predict(val.features()).toFloatArray());
      }
    }
  }

  @Test
  void progressIsALiveLineOnATerminalAndPlainLinesOtherwise() {
    for (boolean live : new boolean[] {true, false}) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      Generator.manualSeed(6);
      try (ArrayDataset train = TrainerTestData.blobs(64, 1); Layer model = TrainerTestData.mlp();
          Adam adam = new Adam(model.parameters(), 0.01)) {
        new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(16)
            .callbacks(new ProgressLogger(new PrintStream(buf, true, StandardCharsets.UTF_8), live, 0)).fit(train, null);
      }
      String out = buf.toString(StandardCharsets.UTF_8);
      assertTrue(out.contains("epoch 2/2  loss "), out);
      if (live) {
        // the bar's width depends on the terminal's (ProgressLoggerWidthTest)
        assertTrue(java.util.regex.Pattern.compile("\repoch 1/2 \\[=+> +\\] 1/4").matcher(out).find()
            && out.contains("samples/s  ETA 0:0"), out);
      } else {
        assertFalse(out.contains("\r"), out);
        assertTrue(out.contains("epoch 1/2  batch 1/4  loss "), out);
        assertEquals(8, out.lines().count(), "3 progress lines (last batch folded into the summary) + 1 summary per epoch: " + out);
      }
    }
    assertEquals("1:01:05", ProgressLogger.clock(3665));
    assertNotEquals("", ProgressLogger.clock(0));
  }
}
