package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {
  @TempDir Path dir;

  private static Trainer trainer(Layer model, Adam adam, int epochs, Path ckptDir) {
    return new Trainer(model, adam, new CrossEntropyLoss()).epochs(epochs).batchSize(8).seed(11)
        .metrics(Metric.accuracy())
        .callbacks(new EarlyStopping("val_loss", 100), new ModelCheckpoint(ckptDir, "val_loss"));
  }

  private static Map<String, float[]> weights(Layer m) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) out.put(e.getKey(), e.getValue().toFloatArray());
    return out;
  }

  @Test
  void resumingAnInterruptedRunGivesBitIdenticalWeights() throws IOException {
    Map<String, float[]> expected;
    History full;
    long offset;
    try (ArrayDataset train = TrainerTestData.blobs(96, 1); ArrayDataset val = TrainerTestData.blobs(32, 2)) {
      Generator.manualSeed(21);
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
        full = trainer(model, adam, 4, dir.resolve("full")).fit(train, val);
        expected = weights(model);
        offset = Generator.global().offset();
      }
      Generator.manualSeed(21);
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
        trainer(model, adam, 2, dir.resolve("cut")).fit(train, val);
      } // "crash": every object of the first run is gone
      Generator.manualSeed(999);
      try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
        Trainer t = trainer(model, adam, 4, dir.resolve("cut")).resume(dir.resolve("cut").resolve(ModelCheckpoint.LAST));
        assertEquals(2, t.startEpoch());
        History resumed = t.fit(train, val);
        Map<String, float[]> actual = weights(model);
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) assertArrayEquals(expected.get(name), actual.get(name), name);
        assertEquals(full.get("val_loss"), resumed.get("val_loss"));
        assertEquals(offset, Generator.global().offset());
        assertEquals(21, Generator.global().seed());
      }
    }
  }

  @Test
  void resumeRefusesAMismatchedTrainer() throws IOException {
    try (ArrayDataset train = TrainerTestData.blobs(32, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.01)) {
      trainer(model, adam, 1, dir).fit(train, train);
      Trainer other = new Trainer(model, adam, new CrossEntropyLoss());
      IOException e = assertThrows(IOException.class, () -> other.resume(dir.resolve(ModelCheckpoint.LAST)));
      assertTrue(e.getMessage().contains("checkpoint has 2 callbacks, trainer has 0"), e.getMessage());
      Path cut = dir.resolve("cut.safetensors");
      byte[] bytes = java.nio.file.Files.readAllBytes(dir.resolve(ModelCheckpoint.LAST));
      java.nio.file.Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 5));
      e = assertThrows(IOException.class, () -> trainer(model, adam, 1, dir).resume(cut));
      assertTrue(e.getMessage().startsWith(cut + ": ") && e.getMessage().contains("data section"), e.getMessage());
      e = assertThrows(IOException.class, () -> trainer(model, adam, 1, dir).resume(dir.resolve(ModelCheckpoint.BEST)));
      assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());
    }
  }

  @Test
  void longFitFreesEveryStepsNativeMemory() {
    long[] afterFirst = {-1};
    long[] atEnd = {-1};
    Callback probe = new Callback() {
      public int order() {
        return 1000; // after EarlyStopping has made its copy of the best weights
      }

      public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
        if (epoch == 0) afterFirst[0] = Device.cpu().bytesInUse();
        if (epoch == t.epochs() - 1) atEnd[0] = Device.cpu().bytesInUse();
      }
    };
    settleLeakedTensors();
    Generator.manualSeed(8);
    try (ArrayDataset train = TrainerTestData.blobs(32, 1); ArrayDataset val = TrainerTestData.blobs(8, 2);
        Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
      History h = new Trainer(model, adam, new CrossEntropyLoss()).epochs(150).batchSize(2).metrics(Metric.accuracy())
          .callbacks(probe, new EarlyStopping("val_loss", 1000)).fit(train, val);
      assertEquals(150, h.epochs(), "2,400 steps");
    }
    assertEquals(afterFirst[0], atEnd[0], "bytes in use after epoch 1 vs after the last epoch");
  }

  // bytesInUse is global: let the Cleaner free what earlier tests left to the GC before measuring
  private static void settleLeakedTensors() {
    long last = -1;
    for (int i = 0; i < 20 && Device.cpu().bytesInUse() != last; i++) {
      last = Device.cpu().bytesInUse();
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
