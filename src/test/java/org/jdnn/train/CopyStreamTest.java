package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Batch;
import org.jdnn.data.DataLoader;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Batches of a host dataset uploaded on the copy stream (Tensor.prefetchTo, DataLoader with a
 * device, Trainer.fit on a GPU): the same training as with the data on the device, bit for bit,
 * and the counters show each step's upload and nothing more (PrefetchToTest: the copy itself).
 */
class CopyStreamTest {
  private static final Device EMU = Device.cudaEmulated();

  /** Per-step losses (each read as the step's window: logEvery 1), the final parameters, the counters after each step. */
  private record Run(List<Double> losses, List<float[]> parameters, List<DeviceStats> afterStep) {}

  private static Run fit(Device dev, boolean dataOnDevice, int prefetch, int n) {
    Generator.manualSeed(5);
    List<Double> losses = new ArrayList<>();
    List<DeviceStats> afterStep = new ArrayList<>();
    Callback record = new Callback() {
      @Override
      public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
        losses.add(loss);
        afterStep.add(dev.stats());
      }
    };
    try (ArrayDataset host = TrainerTestData.blobs(n, 2); ArrayDataset train = dataOnDevice ? host.to(dev) : host;
        Layer model = TrainerTestData.mlp().to(dev); Adam adam = new Adam(model.parameters(), 0.01)) {
      new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(8).prefetch(prefetch).logEvery(1)
          .callbacks(record).fit(train, null);
      List<float[]> params = new ArrayList<>();
      for (Tensor p : model.parameters()) params.add(p.toFloatArray());
      return new Run(losses, params, afterStep);
    }
  }

  private static void assertSameTraining(Run expected, Run actual, String what) {
    assertEquals(expected.losses().size(), actual.losses().size(), what + ": steps");
    for (int i = 0; i < expected.losses().size(); i++) {
      assertEquals(Double.doubleToRawLongBits(expected.losses().get(i)), Double.doubleToRawLongBits(actual.losses().get(i)),
          what + ": loss of step " + i + " (" + expected.losses().get(i) + " vs " + actual.losses().get(i) + ")");
    }
    for (int i = 0; i < expected.parameters().size(); i++) {
      assertArrayEquals(expected.parameters().get(i), actual.parameters().get(i), 0.0f, what + ": parameter " + i);
    }
  }

  @Test
  void hostBatchesOnTheCopyStreamTrainAsDataOnTheDeviceBitForBit() {
    Run onDevice = fit(EMU, true, 2, 48);
    Run prefetched = fit(EMU, false, 2, 48);  // uploaded on the prefetch thread
    Run inline = fit(EMU, false, 0, 48);      // uploaded on the consumer's thread, just before its step
    assertSameTraining(onDevice, prefetched, "host data, prefetch 2");
    assertSameTraining(onDevice, inline, "host data, prefetch 0");
    // The CPU trains the same way (its kernels round differently, so within float error).
    Run cpu = fit(Device.cpu(), false, 2, 48);
    for (int i = 0; i < cpu.losses().size(); i++) {
      assertEquals(cpu.losses().get(i), prefetched.losses().get(i), 1e-5, "cpu against cuda-emu, step " + i);
    }
  }

  @Test
  void inTheSteadyStateEachStepUploadsItsBatchAndWaitsOnlyForItsRead() {
    // Two epochs of 12 steps, the loss read every step. From step 3 on (the model's parameters
    // were uploaded through the staging buffers at the start), each step uploads its batch (4
    // floats and an int32 label a sample, 8 samples), waits once (its read) as with the data on the
    // device, launches what that launches less its gather, and allocates nothing. One batch
    // ahead: the emulation runs a copy only when the host waits for something after it, so deeper
    // prefetching can find all four staging buffers busy and wait for one, where a GPU would have
    // finished those copies.
    for (int prefetch : new int[] {1, 0}) {
      Run host = fit(EMU, false, prefetch, 96);
      Run device = fit(EMU, true, prefetch, 96);
      int first = 2, last = 23, steps = last - first;
      DeviceStats a = host.afterStep().get(first), b = host.afterStep().get(last);
      DeviceStats da = device.afterStep().get(first), db = device.afterStep().get(last);
      String seen = "prefetch " + prefetch + ", steps " + (first + 1) + " to " + (last + 1) + ": host data "
          + b.minus(a).line() + "; data on the device " + db.minus(da).line();
      assertEquals(steps, b.syncs() - a.syncs(), "one wait a step, its read: " + seen);
      assertEquals(db.syncs() - da.syncs(), b.syncs() - a.syncs(), seen);
      // A prefetch thread uploads (or gathers, for data on the device) a batch while the previous
      // step runs, so which batches fall in the window depends on its timing; without it they do not.
      if (prefetch == 0) {
        assertEquals((long) steps * 8 * (4 * 4 + 4), b.h2dBytes() - a.h2dBytes(), seen);
        assertEquals(db.launches() - da.launches() - steps, b.launches() - a.launches(), seen);
      }
      assertEquals(db.vendorCalls() - da.vendorCalls(), b.vendorCalls() - a.vendorCalls(), seen);
      assertEquals(0, b.deviceMallocs() - a.deviceMallocs(), seen);
    }
  }

  @Test
  void aLoaderWithADeviceGivesBatchesThereAndTheSameValues() {
    try (ArrayDataset host = TrainerTestData.blobs(40, 3);
        DataLoader plain = new DataLoader(host, 16, true, 9, 0, null, 0);
        DataLoader uploading = new DataLoader(host, 16, true, 9, 0, null, 2, EMU)) {
      while (plain.hasNext()) {
        try (Batch a = plain.next(); Batch b = uploading.next()) {
          assertEquals(EMU, b.inputs().device());
          assertEquals(EMU, b.targets().device());
          assertArrayEquals(a.inputs().toFloatArray(), b.inputs().toFloatArray(), 0.0f);
          assertArrayEquals(a.targets().toIntArray(), b.targets().toIntArray());
        }
      }
      assertTrue(!uploading.hasNext());
    }
  }
}
