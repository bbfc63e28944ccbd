package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.ParamGroups;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Weight decay turned on from an epoch: the values each epoch trains with, and their effect on the weights. */
class WeightDecayScheduleTest {
  /** Records every group's weight decay as each epoch starts (after the schedule, order -10). */
  private static final class Recorder implements Callback {
    final List<double[]> decays = new ArrayList<>();

    @Override
    public void onEpochBegin(Trainer t, int epoch) {
      double[] d = new double[t.optimizer().groupCount()];
      for (int g = 0; g < d.length; g++) d[g] = t.optimizer().groupWeightDecay(g);
      decays.add(d);
    }
  }

  @Test
  void decayIsOffBeforeTheEpochAndEachGroupsOwnFromIt() {
    Generator.manualSeed(1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ArrayDataset data = TrainerTestData.blobs(32, 2); Layer m = TrainerTestData.mlp();
        SGD sgd = new SGD(ParamGroups.decayAndNoDecay(m.parameters(), 0.1), 0.05)) {
      Recorder r = new Recorder();
      new Trainer(m, sgd, new CrossEntropyLoss()).epochs(4).batchSize(8).messages(new PrintStream(bytes, true, StandardCharsets.UTF_8))
          .callbacks(new WeightDecaySchedule(sgd, 2), r).fit(data, null);
      assertEquals(4, r.decays.size());
      assertArrayEquals(new double[] {0, 0}, r.decays.get(0));
      assertArrayEquals(new double[] {0, 0}, r.decays.get(1));
      assertArrayEquals(new double[] {0.1, 0}, r.decays.get(2), "the no-decay group (biases) stays at 0");
      assertArrayEquals(new double[] {0.1, 0}, r.decays.get(3));
      assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("epoch 3: weight decay on (0.1, 0.0)"), bytes.toString());
    }
  }

  @Test
  void epochsBeforeTheStartTrainExactlyAsWithoutDecay() {
    float[] without = weightsAfterOneEpoch(0, false);
    assertArrayEquals(without, weightsAfterOneEpoch(0.5, true), "decay scheduled from epoch 1: epoch 0 has none");
    assertFalse(java.util.Arrays.equals(without, weightsAfterOneEpoch(0.5, false)), "decay 0.5 from the start changes them");
  }

  private static float[] weightsAfterOneEpoch(double decay, boolean scheduled) {
    Generator.manualSeed(4);
    try (ArrayDataset data = TrainerTestData.blobs(32, 2); Layer m = TrainerTestData.mlp();
        SGD sgd = new SGD(m.parameters(), 0.05).weightDecay(decay)) {
      Trainer t = new Trainer(m, sgd, new CrossEntropyLoss()).epochs(1).batchSize(8).messages(null);
      if (scheduled) t.callbacks(new WeightDecaySchedule(sgd, 1));
      t.fit(data, null);
      Tensor w = m.parameters().get(0);
      return w.toFloatArray();
    }
  }

  @Test
  void badArgumentsAreRefused() {
    try (Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.1)) {
      assertRejected("fromEpoch must be >= 0, got -1", () -> new WeightDecaySchedule(sgd, -1));
      assertRejected("optimizer must not be null", () -> new WeightDecaySchedule(null, 1));
      assertRejected("weight_decay", () -> sgd.setGroupWeightDecay(0, -1));
    }
  }
}
