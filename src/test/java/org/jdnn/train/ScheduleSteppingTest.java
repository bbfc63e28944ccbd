package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleSteppingTest {
  @TempDir Path dir;

  /** A stand-in schedule: halves the learning rate every step, counting steps in its state. */
  private static final class Halving {
    final Adam adam;
    int steps;
    final List<Double> metrics = new ArrayList<>();

    Halving(Adam adam) {
      this.adam = adam;
    }

    void step() {
      steps++;
      adam.setLearningRate(adam.learningRate() / 2);
    }

    void step(double metric) {
      metrics.add(metric);
      step();
    }

    Map<String, Object> state() {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("steps", steps);
      return s;
    }

    void loadState(Map<String, Object> s) {
      steps = ((Number) s.get("steps")).intValue();
    }
  }

  @Test
  void epochAndPlateauSchedulesStepOncePerEpochAndResume() throws IOException {
    Generator.manualSeed(2);
    try (ArrayDataset train = TrainerTestData.blobs(32, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.08)) {
      Halving perEpoch = new Halving(adam);
      Halving plateau = new Halving(adam);
      History h = new Trainer(model, adam, new CrossEntropyLoss()).epochs(3).batchSize(8)
          .callbacks(new ScheduleStepping(perEpoch::step, perEpoch::state, perEpoch::loadState),
              ScheduleStepping.onMetric("loss", plateau::step, plateau::state, plateau::loadState),
              new ModelCheckpoint(dir, "loss"))
          .fit(train, null);
      assertEquals(3, perEpoch.steps);
      assertEquals(h.get("loss"), plateau.metrics, "plateau schedule receives the monitored metric");
      assertEquals(0.08 / 64, adam.learningRate(), 1e-15);

      Halving again = new Halving(adam);
      Halving plateauAgain = new Halving(adam);
      adam.setLearningRate(1);
      Trainer resumed = new Trainer(model, adam, new CrossEntropyLoss()).epochs(3)
          .callbacks(new ScheduleStepping(again::step, again::state, again::loadState),
              ScheduleStepping.onMetric("loss", plateauAgain::step, plateauAgain::state, plateauAgain::loadState),
              new ModelCheckpoint(dir, "loss"))
          .resume(dir.resolve(ModelCheckpoint.LAST));
      assertEquals(3, again.steps);
      assertEquals(3, plateauAgain.steps);
      assertEquals(0.08 / 64, adam.learningRate(), 1e-15, "optimizer learning rate restored");
      assertEquals(3, resumed.startEpoch());
    }
  }

  @Test
  void anEpochScheduleFromTheOptimizerPackagePlugsInDirectly() {
    Generator.manualSeed(3);
    try (ArrayDataset train = TrainerTestData.blobs(32, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.08)) {
      org.jdnn.optim.schedule.StepLR step = new org.jdnn.optim.schedule.StepLR(adam, 2, 0.5);
      new Trainer(model, adam, new CrossEntropyLoss()).epochs(4).batchSize(8)
          .callbacks(ScheduleStepping.of(step)).fit(train, null);
      assertEquals(4, ((Number) step.state().get("last_epoch")).intValue());
      assertEquals(0.08 * 0.25, adam.learningRate(), 1e-15);
    }
  }

  @Test
  void aPlateauScheduleReceivesTheMonitoredMetric() {
    Generator.manualSeed(3);
    try (ArrayDataset train = TrainerTestData.blobs(32, 1); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.08)) {
      // An absolute threshold of 1e9 means no epoch after the first counts as an improvement, so with
      // patience 0 each of epochs 2-4 multiplies the rate by 0.1.
      org.jdnn.optim.schedule.ReduceLROnPlateau plateau = new org.jdnn.optim.schedule.ReduceLROnPlateau(adam)
          .thresholdMode(org.jdnn.optim.schedule.ReduceLROnPlateau.ThresholdMode.ABS).threshold(1e9)
          .patience(0).factor(0.1);
      new Trainer(model, adam, new CrossEntropyLoss()).epochs(4).batchSize(8)
          .callbacks(ScheduleStepping.onMetric("loss", plateau)).fit(train, null);
      assertEquals(0.08 * 1e-3, adam.learningRate(), 1e-15);
    }
  }
}
