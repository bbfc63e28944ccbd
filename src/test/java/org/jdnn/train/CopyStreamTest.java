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

  /** Per-step losses, each read as the step's window (logEvery 1), and the final parameters. */
  private record Run(List<Double> losses, List<float[]> parameters, DeviceStats stats) {}

  private static Run fit(Device dev, boolean dataOnDevice, int prefetch, int n) {
    Generator.manualSeed(5);
    List<Double> losses = new ArrayList<>();
    Callback record = new Callback() {
      @Override
      public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
        losses.add(loss);
      }
    };
    try (ArrayDataset host = TrainerTestData.blobs(n, 2); ArrayDataset train = dataOnDevice ? host.to(dev) : host;
        Layer model = TrainerTestData.mlp().to(dev); Adam adam = new Adam(model.parameters(), 0.01)) {
      DeviceStats before = dev.stats();
      new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(8).prefetch(prefetch).logEvery(1)
          .callbacks(record).fit(train, null);
      DeviceStats d = dev.stats().minus(before);
      List<float[]> params = new ArrayList<>();
      for (Tensor p : model.parameters()) params.add(p.toFloatArray());
      return new Run(losses, params, d);
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
  void eachStepUploadsItsBatchAndNothingElse() {
    // 6 and 12 steps an epoch, two epochs: the difference is the batches' bytes (4 floats and an
    // int32 label a sample), and no more host waits than the logged reads and the staging's.
    Run six = fit(EMU, false, 2, 48);
    Run twelve = fit(EMU, false, 2, 96);
    assertEquals(2L * 48 * (4 * 4 + 4), twelve.stats().h2dBytes() - six.stats().h2dBytes(),
        "6 steps: " + six.stats().line() + "; 12 steps: " + twelve.stats().line());
    assertEquals(0, twelve.stats().deviceMallocs() - six.stats().deviceMallocs(), "steady state allocates nothing");
    Run device = fit(EMU, true, 2, 96);
    System.out.println("copy stream, 12 steps x2: " + twelve.stats().line() + "; data on the device: "
        + device.stats().line());
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
