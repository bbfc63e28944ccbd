package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jdnn.loss.BCELoss;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Device.stats() on the CUDA backend (cuda-emu): what each kind of work adds to which counter. */
class DeviceStatsTest {
  private static final Device EMU = Device.cudaEmulated();

  /** The counters' change across {@code work}. */
  private static DeviceStats across(Runnable work) {
    DeviceStats before = EMU.stats();
    work.run();
    return EMU.stats().minus(before);
  }

  private static <T> T on(Supplier<T> make) {
    try (Device.DefaultScope s = Device.useDefault(EMU)) {
      return make.get();
    }
  }

  private static void inScope(Runnable op) {
    try (TensorScope s = new TensorScope()) {
      op.run();
    }
  }

  @Test
  void cpuCountsNothing() {
    assertSame(DeviceStats.ZERO, Device.cpu().stats());
  }

  @Test
  void uploadCountsItsBytesAndNothingElse() {
    float[] data = new float[1001];
    for (int i = 0; i < data.length; i++) data[i] = i;
    Tensor[] t = new Tensor[1];
    EMU.synchronize(); // from a quiet device: an earlier test's upload still queued would make this one wait for its buffer
    DeviceStats d = across(() -> t[0] = on(() -> Tensor.of(data, data.length)));
    try (Tensor x = t[0]) {
      assertEquals(new DeviceStats(0, 0, 0, d.deviceMallocs(), 4L * data.length, 0), d, d.line());
      assertArrayEquals(data, x.toFloatArray());
    }
  }

  @Test
  void downloadCountsItsBytesAndOneSync() {
    try (Tensor x = on(() -> Tensor.of(new float[] {1, 2, 3, 4, 5}, 5))) {
      float[][] out = new float[1][];
      EMU.synchronize(); // reads the error record if an earlier test's checking op left it unread
      DeviceStats d = across(() -> out[0] = x.toFloatArray());
      assertEquals(new DeviceStats(0, 0, 1, 0, 0, 20), d, d.line());
      assertArrayEquals(new float[] {1, 2, 3, 4, 5}, out[0]);
    }
  }

  @Test
  void matmulIsOneVendorCallAndAddOneLaunch() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = on(() -> Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
      Tensor b = on(() -> Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2));
      // Each measured once its result's block is cached (results are freed when their scope closes).
      for (int i = 0; i < 2; i++) {
        DeviceStats mm = across(() -> inScope(() -> a.matmul(b)));
        if (i > 0) assertEquals(new DeviceStats(0, 1, 0, 0, 0, 0), mm, "matmul: " + mm.line());
        DeviceStats add = across(() -> inScope(() -> a.add(a)));
        if (i > 0) assertEquals(new DeviceStats(1, 0, 0, 0, 0, 0), add, "add: " + add.line());
      }
    }
  }

  /** Counts one steady step (after three warm-up steps) of {@code model} on a batch that lives on the device. */
  private static DeviceStats[] steadySteps(Layer model, Tensor x, Tensor y) {
    try (Adam adam = new Adam(model.parameters(), 1e-3)) {
      CrossEntropyLoss loss = new CrossEntropyLoss();
      Runnable step = () -> {
        try (TensorScope s = new TensorScope()) {
          adam.zeroGrad();
          loss.compute(model.forward(x), y).backward();
          adam.step();
        }
      };
      for (int i = 0; i < 3; i++) step.run(); // Adam's state appears in step 1; step 2 re-allocates its temporaries
      DeviceStats first = across(step), second = across(step);
      EMU.checkErrors();
      return new DeviceStats[] {first, second};
    }
  }

  @Test
  void steadyTrainingStepOfACnnNeverWaitsForTheDevice() {
    Generator.manualSeed(7);
    float[] xs = new float[8 * 64];
    int[] ys = new int[8];
    for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.cos(i);
    for (int i = 0; i < ys.length; i++) ys[i] = i % 3;
    try (Device.DefaultScope scope = Device.useDefault(EMU);
        Layer cnn = new Sequential(new Reshape(1, 8, 8), new Conv2d(1, 4, 3, ConvOptions.padding(1)), new BatchNorm2d(4),
            new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3));
        Tensor x = Tensor.of(xs, 8, 64).keep();
        Tensor y = Tensor.ofInts(ys, 8).keep()) {
      DeviceStats[] d = steadySteps(cnn, x, y);
      // Cross-entropy and the max-pool backward check their data on the device: nothing waits.
      assertEquals(0, d[0].syncs(), "steady step: " + d[0].line());
      assertEquals(0, d[0].deviceMallocs(), "steady step: " + d[0].line());
      assertEquals(0, d[0].h2dBytes() + d[0].d2hBytes(), "steady step: " + d[0].line());
      assertEquals(d[0], d[1], "every steady step does the same work");
    }
  }

  @Test
  void steadyTrainingStepOfAnMlpMakesNoDeviceMalloc() {
    Generator.manualSeed(7);
    float[] xs = new float[16 * 20];
    int[] ys = new int[16];
    for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.sin(i);
    for (int i = 0; i < ys.length; i++) ys[i] = i % 5;
    try (Device.DefaultScope scope = Device.useDefault(EMU);
        Layer mlp = new Sequential(new Linear(20, 32), new ReLU(), new Linear(32, 5));
        Tensor x = Tensor.of(xs, 16, 20).keep();
        Tensor y = Tensor.ofInts(ys, 16).keep();
        Adam adam = new Adam(mlp.parameters(), 1e-3)) {
      CrossEntropyLoss loss = new CrossEntropyLoss();
      Runnable step = () -> {
        try (TensorScope s = new TensorScope()) {
          adam.zeroGrad();
          loss.compute(mlp.forward(x), y).backward();
          adam.step();
        }
      };
      for (int i = 0; i < 3; i++) step.run(); // Adam's state appears in step 1; step 2 re-allocates its temporaries
      DeviceStats first = across(step), second = across(step);
      assertEquals(0, first.deviceMallocs(), "steady step: " + first.line());
      assertEquals(0, first.syncs(), "cross-entropy checks its labels on the device: " + first.line());
      assertEquals(first, second, "every steady step does the same work");
      // Two GEMMs forward, two weight gradients and one input gradient (the first layer's input needs none).
      assertEquals(5, first.vendorCalls(), first.line());
      assertTrue(first.launches() > 0, first.line());
      assertEquals(0, first.h2dBytes(), "data and labels live on the device: " + first.line());
    }
  }

  @Test
  void steadyBceTrainingStepNeverWaitsAndABadProbabilityIsRaisedAtTheNextCheck() {
    Generator.manualSeed(7);
    float[] xs = new float[16 * 6], ys = new float[16];
    for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.sin(i);
    for (int i = 0; i < ys.length; i++) ys[i] = i % 2;
    try (Device.DefaultScope scope = Device.useDefault(EMU);
        Layer net = new Sequential(new Linear(6, 8), new ReLU(), new Linear(8, 1), new Sigmoid());
        Tensor x = Tensor.of(xs, 16, 6).keep();
        Tensor y = Tensor.of(ys, 16, 1).keep();
        Adam adam = new Adam(net.parameters(), 1e-3)) {
      BCELoss loss = new BCELoss();
      Runnable step = () -> {
        try (TensorScope s = new TensorScope()) {
          adam.zeroGrad();
          loss.compute(net.forward(x), y).backward();
          adam.step();
        }
      };
      for (int i = 0; i < 3; i++) step.run();
      DeviceStats first = across(step);
      // BCE checks that its inputs and targets are probabilities on the device, as cross-entropy its labels.
      assertEquals(0, first.syncs(), "BCE step: " + first.line());
      assertEquals(0, first.h2dBytes() + first.d2hBytes(), "BCE step: " + first.line());
      EMU.checkErrors();
      try (TensorScope s = new TensorScope()) {
        Tensor p = Tensor.of(new float[] {0.5f, 0.25f, 1.5f, -1f}, 4);
        Tensor t = Tensor.of(new float[] {1, 0, 1, 0}, 4);
        DeviceStats issued = across(() -> loss.compute(p, t));
        assertEquals(0, issued.syncs(), "the check is not waited for: " + issued.line());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, EMU::checkErrors);
        for (String part : new String[] {"BCELoss", "input 1.5", "index 2", "[0, 1]", "BCEWithLogitsLoss",
            "raised at the next synchronization: Device.checkErrors()"}) {
          assertTrue(e.getMessage().contains(part), "message should name " + part + ": " + e.getMessage());
        }
        EMU.checkErrors(); // raised once, then cleared
        // A bad target is named as the CPU names it, its value as Java prints a double.
        loss.compute(Tensor.of(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 4), Tensor.of(new float[] {1, 0, -1, 2}, 4));
        e = assertThrows(IllegalArgumentException.class, EMU::checkErrors);
        assertTrue(e.getMessage().startsWith("BCELoss: target -1.0 at index 2 is not in [0, 1]"), e.getMessage());
      }
    }
  }

  @Test
  void minusRefusesSnapshotsInTheWrongOrder() {
    DeviceStats earlier = EMU.stats();
    try (Tensor t = on(() -> Tensor.of(new float[] {1}, 1))) {
      DeviceStats later = EMU.stats();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> earlier.minus(later));
      assertTrue(e.getMessage().contains("taken before"), e.getMessage());
    }
  }

  /**
   * The syncs counter is only as good as its coverage: every wait of the backend's sources for the
   * device must go through wait_for_stream / wait_for_event (cuda/context.h), which count it.
   */
  @Test
  void everyHostWaitGoesThroughTheCountingHelpers() throws IOException {
    Path dir = Path.of("native/src/cuda");
    assumeTrue(Files.isDirectory(dir), "the backend's sources are not under " + dir.toAbsolutePath()
        + " (run from the repository root, as Maven does)");
    Pattern wait = Pattern.compile("\\b(cudaStreamSynchronize|cudaEventSynchronize|cudaDeviceSynchronize|cudaMemcpy)\\s*\\(");
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        if (f.getFileName().toString().equals("context.h")) continue; // the helpers themselves
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          if (wait.matcher(lines.get(i)).find()) found.add(f.getFileName() + ":" + (i + 1) + ": " + lines.get(i).trim());
        }
      }
    }
    assertTrue(found.isEmpty(), "host waits that Device.stats() would not count; call wait_for_stream or "
        + "wait_for_event instead:\n" + String.join("\n", found));
  }

  @Test
  void lineNamesTheFieldsInTheStepLineOrder() {
    assertEquals("launches=1 vendor_calls=2 syncs=3 device_mallocs=4 h2d_bytes=5 d2h_bytes=6",
        new DeviceStats(1, 2, 3, 4, 5, 6).line());
  }
}
