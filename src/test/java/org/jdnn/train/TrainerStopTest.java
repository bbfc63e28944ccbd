package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fit stops within one step on Thread.interrupt() and on a non-finite loss, keeping the last checkpoint intact. */
class TrainerStopTest {
  @TempDir Path dir;

  /** Counts steps and keeps a copy of the last checkpoint as written after each epoch. */
  private static final class Recorder implements Callback {
    final Path checkpoint;
    int steps;
    byte[] lastCheckpoint;

    Recorder(Path checkpoint) {
      this.checkpoint = checkpoint;
    }

    @Override
    public int order() {
      return 1000; // after ModelCheckpoint
    }

    @Override
    public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
      steps++;
    }

    @Override
    public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
      try {
        lastCheckpoint = Files.readAllBytes(checkpoint);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  private void assertStoppedAfterEpochZero(TrainingStoppedException e, Recorder r, Trainer t) throws IOException {
    assertEquals(1, e.history().epochs(), "history holds the completed epoch only");
    assertEquals(1, t.startEpoch());
    assertEquals(1, e.epoch());
    assertArrayEquals(r.lastCheckpoint, Files.readAllBytes(r.checkpoint), "last checkpoint is epoch 0's, intact");
    assertEquals(1, t.resume(r.checkpoint).startEpoch());
  }

  @Test
  void anInterruptStopsFitWithinOneStepForEveryPrefetch() throws IOException {
    for (int prefetch = 0; prefetch <= 2; prefetch++) {
      Path ck = dir.resolve("ck");
      Generator.manualSeed(1);
      try (ArrayDataset train = TrainerTestData.blobs(48, 1); Layer model = TrainerTestData.mlp();
          Adam adam = new Adam(model.parameters(), 0.01)) {
        Recorder r = new Recorder(ck.resolve(ModelCheckpoint.LAST));
        int[] stepsAfterInterrupt = {-1};
        Callback interrupter = new Callback() {
          public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
            if (stepsAfterInterrupt[0] >= 0) stepsAfterInterrupt[0]++;
            if (epoch == 1 && batch == 2) {
              Thread.currentThread().interrupt(); // as if another thread interrupted this step
              stepsAfterInterrupt[0] = 0;
            }
          }
        };
        Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(40).batchSize(8).prefetch(prefetch)
            .callbacks(new ModelCheckpoint(ck, "loss"), r, interrupter);
        TrainingInterruptedException e = assertThrows(TrainingInterruptedException.class, () -> t.fit(train, null));
        assertTrue(Thread.interrupted(), "prefetch " + prefetch + ": the interrupt flag is kept set");
        assertEquals(0, stepsAfterInterrupt[0], "prefetch " + prefetch + ": steps after the interrupt");
        assertEquals(6 + 3, r.steps);
        assertTrue(e.getMessage().contains("interrupted in epoch 2 of 40 (index 1) after step 3 of 6"), e.getMessage());
        assertEquals(2, e.step());
        assertStoppedAfterEpochZero(e, r, t);
      }
    }
  }

  @Test
  void anInterruptFromAnotherThreadReachesATrainerWaitingForItsNextBatch() throws Exception {
    Generator.manualSeed(2);
    try (ArrayDataset train = TrainerTestData.blobs(80, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.01)) {
      AtomicInteger stepsAfter = new AtomicInteger(-1);
      CountDownLatch thirdStep = new CountDownLatch(3);
      Callback counter = new Callback() {
        public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
          if (stepsAfter.get() >= 0) stepsAfter.incrementAndGet();
          thirdStep.countDown();
        }
      };
      // a slow producer: the trainer waits for each batch on the prefetch queue
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(10).batchSize(8).prefetch(1).callbacks(counter)
          .augmentation((x, seed) -> {
            try {
              Thread.sleep(30);
            } catch (InterruptedException ex) {
              Thread.currentThread().interrupt();
            }
            return x;
          });
      Throwable[] thrown = {null};
      Thread trainer = new Thread(() -> {
        try {
          t.fit(train, null);
        } catch (Throwable ex) {
          thrown[0] = ex;
        }
      });
      trainer.start();
      assertTrue(thirdStep.await(30, TimeUnit.SECONDS));
      stepsAfter.set(0);
      trainer.interrupt();
      trainer.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(trainer.isAlive());
      assertTrue(thrown[0] instanceof TrainingInterruptedException, String.valueOf(thrown[0]));
      assertTrue(stepsAfter.get() <= 1, "steps after the interrupt: " + stepsAfter.get());
    }
  }


  @Test
  void aNonFiniteLossStopsFitNamingEpochAndStepUnlessSwitchedOff() throws IOException {
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
      Path ck = dir.resolve("nan");
      Generator.manualSeed(3);
      try (ArrayDataset train = TrainerTestData.blobs(48, 1); Layer model = TrainerTestData.mlp();
          Adam adam = new Adam(model.parameters(), 0.01)) {
        Recorder r = new Recorder(ck.resolve(ModelCheckpoint.LAST));
        // 6 steps per epoch: call 7 is epoch 1, step 1 (0-based)
        Trainer t = new Trainer(model, adam, new FailingLoss(7, bad)).epochs(5).batchSize(8)
            .callbacks(new ModelCheckpoint(ck, "loss"), r);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.fit(train, null));
        String m = e.getMessage();
        assertTrue(m.contains("loss is " + bad + " in epoch 2 of 5 (index 1) at step 2 of 6"), m);
        assertTrue(m.contains("lower the learning rate") && m.contains("stopOnNonFiniteLoss(false)"), m);
        assertEquals(6 + 1, r.steps, "the non-finite step ends the fit before its callbacks");
        assertEquals(1, e.step());
        assertFalse(Thread.interrupted());
        assertStoppedAfterEpochZero(e, r, t);
      }
    }
    Generator.manualSeed(3);
    try (ArrayDataset train = TrainerTestData.blobs(48, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.01)) {
      History h = new Trainer(model, adam, new FailingLoss(7, Double.NaN)).epochs(3).batchSize(8).stopOnNonFiniteLoss(false)
          .fit(train, null);
      assertEquals(3, h.epochs());
      assertTrue(Double.isNaN(h.get("loss").get(1)));
    }
  }
}
