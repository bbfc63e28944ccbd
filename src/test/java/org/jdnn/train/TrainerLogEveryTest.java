package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Trainer.logEvery: the loss and accuracy are summed on the model's device and read only when
 * logged, a non-finite loss is found there and raised at the next read, and errors ops record on
 * the device surface at that read.
 */
class TrainerLogEveryTest {
  private static final Device EMU = Device.cudaEmulated();

  /** The windows onBatchEnd reported: {step index, samples, mean loss}. */
  private static final class Windows implements Callback {
    final List<double[]> seen = new ArrayList<>();

    @Override
    public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
      seen.add(new double[] {batch, samples, loss});
    }
  }


  private static History fit(Device dev, int logEvery, int n, Windows w, Metric... metrics) {
    Generator.manualSeed(3);
    try (ArrayDataset train = TrainerTestData.blobs(n, 1); Layer model = TrainerTestData.mlp().to(dev);
        Adam adam = new Adam(model.parameters(), 0.01)) {
      return new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(8).logEvery(logEvery)
          .metrics(metrics).callbacks(w).fit(train, null);
    }
  }

  @Test
  void aReadEveryFourStepsReportsEachWindowsMeanAndKeepsTheEpochLoss() {
    Windows every = new Windows(), fourth = new Windows();
    History h1 = fit(Device.cpu(), 1, 48, every);
    History h4 = fit(Device.cpu(), 4, 48, fourth);
    assertEquals(12, every.seen.size());
    // Per epoch of 6 steps: a read after step 4 (32 samples) and after the last (16 samples).
    assertEquals(4, fourth.seen.size());
    double[][] expected = {{3, 32}, {5, 16}, {3, 32}, {5, 16}};
    for (int i = 0; i < 4; i++) {
      assertEquals(expected[i][0], fourth.seen.get(i)[0], "step of read " + i);
      assertEquals(expected[i][1], fourth.seen.get(i)[1], "samples of read " + i);
      // The same steps ran: the window's mean is the mean of the per-step losses.
      int first = (i / 2) * 6 + (i % 2 == 0 ? 0 : 4), count = i % 2 == 0 ? 4 : 2;
      double sum = 0;
      for (int s = first; s < first + count; s++) sum += every.seen.get(s)[2] * 8;
      assertEquals(sum / (count * 8), fourth.seen.get(i)[2], 1e-12 * Math.abs(sum), "mean of read " + i);
    }
    for (int e = 0; e < 2; e++) {
      assertEquals(h1.get("loss").get(e), h4.get("loss").get(e), 1e-12, "epoch " + e + " loss");
    }
  }

  @Test
  void onTheGpuAnEpochReadsTheDeviceOnlyWhenItLogs() {
    // Twice the steps, the same bytes read back: no step downloads anything (the loss, the accuracy
    // count and the device error record are read once per epoch).
    Windows a = new Windows(), b = new Windows();
    DeviceStats before = EMU.stats();
    History ha = fit(EMU, 1000, 48, a, Metric.accuracy());
    DeviceStats six = EMU.stats().minus(before);
    before = EMU.stats();
    History hb = fit(EMU, 1000, 96, b, Metric.accuracy());
    DeviceStats twelve = EMU.stats().minus(before);
    assertEquals(2, a.seen.size());
    assertEquals(2, b.seen.size());
    assertEquals(six.d2hBytes(), twelve.d2hBytes(), "6 steps: " + six.line() + "; 12 steps: " + twelve.line());
    // The accuracy counted on the device is the CPU's.
    History cpu = fit(Device.cpu(), 1000, 48, new Windows(), Metric.accuracy());
    for (int e = 0; e < 2; e++) {
      assertEquals(cpu.get("accuracy").get(e), ha.get("accuracy").get(e), 0.0, "epoch " + e + " accuracy");
      assertEquals(cpu.get("loss").get(e), ha.get("loss").get(e), 1e-5, "epoch " + e + " loss");
    }
    assertTrue(hb.get("accuracy").get(1) > 0.5, "trains: " + hb.get("accuracy"));
  }

  @Test
  void withTheDataOnTheGpuAnEpochUploadsOnlyItsOrder() {
    Generator.manualSeed(3);
    try (ArrayDataset cpu = TrainerTestData.blobs(48, 1); ArrayDataset train = cpu.to(EMU);
        Layer model = TrainerTestData.mlp().to(EMU); Adam adam = new Adam(model.parameters(), 0.01)) {
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(8).logEvery(1000)
          .metrics(Metric.accuracy());
      DeviceStats before = EMU.stats();
      History h = t.fit(train, null);
      DeviceStats d = EMU.stats().minus(before);
      assertEquals(2L * 4 * 48, d.h2dBytes(), "each epoch's order (4 bytes a sample), nothing per step: " + d.line());
      assertEquals(2, h.epochs());
    }
  }

  @Test
  void aNonFiniteLossOnTheGpuIsRaisedAtTheNextReadNamingItsStep() {
    for (Device dev : new Device[] {EMU, Device.cpu()}) {
      Generator.manualSeed(3);
      try (ArrayDataset train = TrainerTestData.blobs(48, 1); Layer model = TrainerTestData.mlp().to(dev);
          Adam adam = new Adam(model.parameters(), 0.01)) {
        Windows w = new Windows();
        Trainer t = new Trainer(model, adam, new FailingLoss(1, Double.NaN)).epochs(2).batchSize(8).logEvery(4)
            .callbacks(w);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.fit(train, null));
        assertTrue(e.getMessage().startsWith("Trainer.fit: loss is NaN in epoch 1 of 2 (index 0) at step 2 of 6 (found when"
            + " the loss was read after step 4: Trainer.logEvery(4)); training stopped."), dev + ": " + e.getMessage());
        assertEquals(3, e.step(), "the last step that ran");
        assertEquals(0, w.seen.size(), "the read that found it calls no callback");
      }
    }
  }

  @Test
  void aBadLabelOnTheGpuIsRaisedByFitAtTheNextRead() {
    Generator.manualSeed(3);
    float[] x = new float[16 * 4];
    int[] y = new int[16];
    y[11] = 7;  // a 3-class model
    try (ArrayDataset train = ArrayDataset.withLabels(x, new long[] {4}, y); Layer model = TrainerTestData.mlp().to(EMU);
        Adam adam = new Adam(model.parameters(), 0.01)) {
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(1).batchSize(8).shuffle(false).logEvery(100)
          .metrics(Metric.accuracy());
      long live = JdnnNative.tensor_live_handles();
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.fit(train, null));
      // What stays is the parameters' gradients and Adam's two moments: the failed epoch freed its loss sums,
      // its accuracy counter and its batches.
      assertEquals(live + 3L * model.parameters().size(), JdnnNative.tensor_live_handles());
      assertTrue(e.getMessage().startsWith("cross_entropy: label 7 at index 3 is outside [0, 3) for 3 classes (found on the"
          + " device by that op and raised at the next synchronization: a copy to the host)"), e.getMessage());
    }
    EMU.checkErrors();  // raised once
  }

  @Test
  void logEveryRefusesLessThanOne() {
    try (Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.01)) {
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.logEvery(0));
      assertEquals("Trainer: logEvery must be >= 1, got 0", e.getMessage());
    }
  }
}
