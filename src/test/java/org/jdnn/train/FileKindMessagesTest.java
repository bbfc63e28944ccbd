package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.jdnn.data.ArrayDataset;
import org.jdnn.io.ModelFile;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint given to a model loader, or a model file given to resume, is named as what it is, with the right call. */
class FileKindMessagesTest {
  @TempDir Path dir;

  private static void assertMessage(IOException e, Path p, String... mentions) {
    assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
    for (String m : mentions) assertTrue(e.getMessage().contains(m), e.getMessage() + " should mention " + m);
  }

  @Test
  void checkpointsAndModelFilesPointToEachOthersLoader() throws IOException {
    Generator.manualSeed(1);
    try (ArrayDataset train = TrainerTestData.blobs(16, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.01)) {
      ModelCheckpoint ckpt = new ModelCheckpoint(dir, "loss");
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(1).batchSize(8).callbacks(ckpt);
      t.fit(train, null);
      Path last = ckpt.lastPath();
      IOException e = assertThrows(IOException.class, () -> ModelFile.load(last).close());
      assertMessage(e, last, "training checkpoint", "Trainer.resume", ModelCheckpoint.BEST);
      e = assertThrows(IOException.class, () -> ModelFile.loadWeights(last, model));
      assertMessage(e, last, "training checkpoint", "Trainer.resume", ModelCheckpoint.BEST);
      Path best = ckpt.bestPath();
      e = assertThrows(IOException.class, () -> t.resume(best));
      assertMessage(e, best, "model file", "ModelFile.load", ModelCheckpoint.LAST);
    }
  }
}
