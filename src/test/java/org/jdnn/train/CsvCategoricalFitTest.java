package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.CsvReader;
import org.jdnn.io.ModelFile;
import org.jdnn.io.SavedModel;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV pipeline end to end: a label that depends only on a text column is learned from its
 * one-hot features, and the best model file, loaded alone, predicts raw rows of another file.
 */
class CsvCategoricalFitTest {
  @TempDir Path dir;

  @Test
  void aModelLearnsATextColumnAndItsFilePredictsRawRows() throws IOException {
    String[] colors = {"red", "green", "blue"};
    SplittableRandom r = new SplittableRandom(12);
    StringBuilder train = new StringBuilder("noise,color,y\n");
    for (int i = 0; i < 60; i++) {
      String c = colors[i % 3];
      train.append(String.format(java.util.Locale.ROOT, "%.3f,%s,%s%n", r.nextGaussian() * 3 + 10, c, c.equals("red") ? "stop" : "go"));
    }
    Path trainCsv = dir.resolve("train.csv");
    Files.writeString(trainCsv, train.toString());
    CsvReader.Table table = CsvReader.labelColumn("y").read(trainCsv);
    Generator.manualSeed(1);
    ModelCheckpoint ckpt = new ModelCheckpoint(dir, "loss").tableInfo(table.encoding, table.classNames);
    try (ArrayDataset data = table.toDataset(); Layer m = new Sequential(new Linear(table.encoding.width(), 2));
        Adam adam = new Adam(m.parameters(), 0.1)) {
      History h = new Trainer(m, adam, new CrossEntropyLoss()).epochs(30).batchSize(20).messages(null)
          .normalizer(table.fitNormalizer()).metrics(Metric.accuracy()).callbacks(ckpt).fit(data, null);
      assertEquals(1.0, h.get("accuracy").get(29), "training accuracy");
    }
    // columns in another order, no label: encoded from the model file alone
    Path rows = dir.resolve("rows.csv");
    Files.writeString(rows, "color,noise\nblue,9.5\nred,14\ngreen,4\nred,8\n");
    try (SavedModel best = ModelFile.load(ckpt.bestPath()); TensorScope s = new TensorScope()) {
      long[] predicted = best.predictCsv(rows).argmax().toLongArray();
      StringBuilder names = new StringBuilder();
      for (long p : predicted) names.append(best.classNames().get((int) p)).append(' ');
      assertEquals("go stop go stop ", names.toString());
    }
  }
}
