package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.CsvReader;
import org.jdnn.io.ModelFile;
import org.jdnn.io.SavedModel;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What fit reports: the start-up line, early stopping, restored weights, checkpoints written and the total time. */
class TrainerMessagesTest {
  @TempDir Path dir;

  @Test
  void aRunThatStopsEarlyReportsEachEventInOrder() {
    Generator.manualSeed(6);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // learning rate 0: the loss cannot improve after the first epoch, so patience 0 stops at the second
    try (ArrayDataset data = TrainerTestData.blobs(24, 5); Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0)) {
      ModelCheckpoint ckpt = new ModelCheckpoint(dir, "loss");
      EarlyStopping stop = new EarlyStopping("loss", 0).minDelta(1e-3);
      History h = new Trainer(m, sgd, new CrossEntropyLoss()).epochs(5).batchSize(8)
          .messages(new PrintStream(bytes, true, StandardCharsets.UTF_8)).callbacks(stop, ckpt).fit(data, null);
      double best = h.get("loss").get(0);
      List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
      // 4-16-3: 4 x 16 + 16 + 16 x 3 + 3 = 131 parameters
      assertEquals(String.format(Locale.ROOT, "fit: 5 epochs on %s (%d CPU threads), 131 parameters, 24 training samples",
          Device.cpu(), Device.cpuThreads()), lines.get(0));
      assertEquals(String.format(Locale.ROOT, "epoch 1: wrote %s; loss improved to %.6g, wrote %s", ckpt.lastPath(), best,
          ckpt.bestPath()), lines.get(1));
      assertEquals(String.format(Locale.ROOT, "epoch 2: early stopping, loss has not improved for 1 epoch (best %.6g at epoch 1)",
          best), lines.get(2));
      assertEquals("epoch 2: wrote " + ckpt.lastPath(), lines.get(3));
      assertEquals(String.format(Locale.ROOT, "restored the best weights: epoch 1, loss %.6g", best), lines.get(4));
      assertTrue(Pattern.matches("fit: 2 epochs in \\d+\\.\\d s \\(stopped after epoch 2\\)", lines.get(5)), lines.get(5));
      assertEquals(6, lines.size(), lines.toString());
    }
  }

  @Test
  void silencedRunsPrintNothing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream old = System.out;
    try (ArrayDataset data = TrainerTestData.blobs(8, 5); Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.1)) {
      System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      new Trainer(m, sgd, new CrossEntropyLoss()).epochs(1).messages(null).callbacks(new EarlyStopping("loss", 0)).fit(data, null);
    } finally {
      System.setOut(old);
    }
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void theBestModelFileCarriesTheTablesEncodingAndClassNames() throws IOException {
    Path csv = dir.resolve("t.csv");
    Files.writeString(csv, "a,color,y\n1,red,x\n2,blue,z\n3,red,x\n");
    CsvReader.Table table = CsvReader.labelColumn("y").read(csv);
    Generator.manualSeed(2);
    try (ArrayDataset data = table.toDataset(); Layer m = new Sequential(new Linear(3, 2)); SGD sgd = new SGD(m.parameters(), 0.1)) {
      ModelCheckpoint ckpt = new ModelCheckpoint(dir, "loss").tableInfo(table.encoding, table.classNames);
      new Trainer(m, sgd, new CrossEntropyLoss()).epochs(1).messages(null).callbacks(ckpt).fit(data, null);
      try (SavedModel best = ModelFile.load(ckpt.bestPath())) {
        assertEquals(table.encoding, best.featureEncoding());
        assertEquals(List.of("x", "z"), best.classNames());
        assertEquals(3, best.predictCsv(csv).dim(0));
      }
    }
  }
}
