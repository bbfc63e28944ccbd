package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.SGD;
import org.jdnn.optim.schedule.StepLR;
import org.jdnn.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics log: one CSV row or JSON line per epoch with the history's values, the epoch's learning rate and time. */
class MetricsLogTest {
  @TempDir Path dir;

  private History fit(Callback log, int epochs, Path checkpointDir) {
    Generator.manualSeed(8);
    try (ArrayDataset train = TrainerTestData.blobs(40, 1); ArrayDataset val = TrainerTestData.blobs(16, 2);
        Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.1)) {
      Trainer t = new Trainer(m, sgd, new CrossEntropyLoss()).epochs(epochs).batchSize(8).messages(null)
          .metrics(Metric.accuracy()).callbacks(ScheduleStepping.of(new StepLR(sgd, 2, 0.1)), log);
      if (checkpointDir != null) t.callbacks(new ModelCheckpoint(checkpointDir, "val_loss"));
      return t.fit(train, val);
    }
  }

  @Test
  void csvRowsHoldTheHistoryAndTheLearningRateEachEpochTrainedWith() throws IOException {
    Path file = dir.resolve("logs/metrics.csv");
    History h = fit(MetricsLog.csv(file), 3, null);
    List<String> lines = Files.readAllLines(file);
    assertEquals("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", lines.get(0));
    assertEquals(4, lines.size());
    double[] lr = {0.1, 0.1, 0.1 * 0.1};  // StepLR(2, 0.1): the third epoch trains with a tenth
    for (int e = 0; e < 3; e++) {
      String[] f = lines.get(e + 1).split(",");
      assertEquals(String.valueOf(e + 1), f[0]);
      assertEquals(h.get("loss").get(e), Double.parseDouble(f[1]), 0.0, "loss, epoch " + (e + 1));
      assertEquals(h.get("accuracy").get(e), Double.parseDouble(f[2]), 0.0);
      assertEquals(h.get("val_loss").get(e), Double.parseDouble(f[3]), 0.0);
      assertEquals(h.get("val_accuracy").get(e), Double.parseDouble(f[4]), 0.0);
      assertEquals(lr[e], Double.parseDouble(f[5]), 1e-12, "lr, epoch " + (e + 1));
      assertTrue(Double.parseDouble(f[6]) >= 0);
    }
  }

  @Test
  void jsonLinesHoldTheSameValues() throws IOException {
    Path file = dir.resolve("metrics.jsonl");
    History h = fit(MetricsLog.jsonLines(file), 2, null);
    List<String> lines = Files.readAllLines(file);
    assertEquals(2, lines.size());
    ObjectMapper json = new ObjectMapper();
    for (int e = 0; e < 2; e++) {
      JsonNode o = json.readTree(lines.get(e));
      assertEquals(e + 1, o.get("epoch").intValue());
      assertEquals(h.get("val_loss").get(e), o.get("val_loss").doubleValue(), 0.0);
      assertEquals(0.1, o.get("lr").doubleValue(), 1e-12);
      assertTrue(o.has("seconds") && o.has("accuracy") && o.has("loss"), lines.get(e));
    }
  }

  @Test
  void aResumedRunAppendsAndAFreshRunStartsOver() throws IOException {
    Path file = dir.resolve("m.csv");
    Path ckpt = dir.resolve("ckpt");
    fit(MetricsLog.csv(file), 2, ckpt);
    assertEquals(3, Files.readAllLines(file).size());
    Generator.manualSeed(8);
    try (ArrayDataset train = TrainerTestData.blobs(40, 1); ArrayDataset val = TrainerTestData.blobs(16, 2);
        Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.1)) {
      Trainer t = new Trainer(m, sgd, new CrossEntropyLoss()).epochs(3).batchSize(8).messages(null).metrics(Metric.accuracy())
          .callbacks(ScheduleStepping.of(new StepLR(sgd, 2, 0.1)), MetricsLog.csv(file), new ModelCheckpoint(ckpt, "val_loss"));
      t.resume(ckpt.resolve(ModelCheckpoint.LAST));
      t.fit(train, val);
    }
    List<String> lines = Files.readAllLines(file);
    assertEquals(4, lines.size(), "the header and epochs 1, 2 and 3: " + lines);
    assertTrue(lines.get(3).startsWith("3,"), lines.get(3));
    fit(MetricsLog.csv(file), 1, null);
    assertEquals(2, Files.readAllLines(file).size(), "a fit from epoch 0 starts the file afresh");
  }

  @Test
  void aCsvLogRefusesAValueItHasNoColumnFor() {
    MetricsLog log = MetricsLog.csv(dir.resolve("x.csv"));
    try (Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.1)) {
      Trainer t = new Trainer(m, sgd, new CrossEntropyLoss());
      log.onTrainBegin(t);
      log.onEpochBegin(t, 0);
      log.onEpochEnd(t, 0, Map.of("loss", 1.0));
      log.onEpochBegin(t, 1);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> log.onEpochEnd(t, 1, Map.of("loss", 1.0, "f1", 0.5)));
      assertTrue(e.getMessage().contains("epoch 2 logs 'f1', which is not a column of"), e.getMessage());
    }
  }
}
