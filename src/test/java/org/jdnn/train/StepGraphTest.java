package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Batch;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.Optimizer;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceException;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Training by replaying a captured CUDA graph ({@link StepGraph}, {@link CudaGraph}) against eager training, on the
 * CUDA emulation (which records and replays as CUDA documents) and on a GPU where one is usable.
 */
class StepGraphTest {
  private static final int BATCH = 8;
  private static final long SEED = 13;

  /** W1's architecture (784-512-256-10 MLP, softmax cross-entropy). */
  private static Layer w1() {
    return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10));
  }

  private static ArrayDataset images(int n) {
    Random r = new Random(SEED);
    float[] x = new float[n * 784];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - 0.5f;
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
    return ArrayDataset.withLabels(x, new long[] {784}, labels);
  }

  /** Per-step losses and the final parameters of one training run. */
  private record Run(float[] losses, Map<String, float[]> params) {}

  /**
   * Trains {@code steps} steps of W1 from {@code SEED}, each batch copied into static device buffers first; through a
   * {@link StepGraph} (captured after 2 warm-up steps) when {@code graphs}, else eagerly.
   */
  private static Run train(Device device, Function<List<Tensor>, Optimizer> optimizer, int steps, boolean graphs) {
    Generator.manualSeed(SEED);
    ArrayDataset data = images(steps * BATCH);
    float[] losses = new float[steps];
    try (Layer model = w1()) {
      model.to(device);
      CrossEntropyLoss loss = new CrossEntropyLoss();
      List<Batch> batches = new ArrayList<>();
      for (Batch b : data.batches(BATCH, true, SEED, 0)) batches.add(b);
      Batch first = batches.get(0);
      try (Optimizer opt = optimizer.apply(model.parameters());
          Tensor x = Tensor.empty(first.inputs().dtype(), device, first.inputs().shape());
          Tensor y = Tensor.empty(first.targets().dtype(), device, first.targets().shape());
          Tensor lossOut = Tensor.empty(DType.FLOAT32, device)) {
        Runnable step = () -> {
          try (TensorScope s = new TensorScope()) {
            opt.zeroGrad();
            Tensor l = loss.compute(model.forward(x), y);
            l.backward();
            opt.step();
            lossOut.copyFrom(l.detach());
          }
        };
        try (StepGraph g = graphs ? new StepGraph(x, y, step, 2, opt) : null) {
          for (int i = 0; i < steps; i++) {
            Batch b = batches.get(i);
            if (g != null) {
              g.run(b.inputs(), b.targets());
            } else {
              x.copyFrom(b.inputs());
              y.copyFrom(b.targets());
              step.run();
            }
            losses[i] = (float) lossOut.item();
          }
          if (g != null) assertTrue(g.isCaptured());
        }
        for (Batch b : batches) b.close();
        if (graphs) assertEquals(steps, opt.steps(0), "replays count as optimizer steps");
      }
      Map<String, float[]> params = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
        try (Tensor host = e.getValue().to(Device.cpu())) {
          params.put(e.getKey(), host.toFloatArray());
        }
      }
      return new Run(losses, params);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void replayedW1TrainingEqualsEagerTrainingBitForBit(TestDevice testDevice) {
    Device device = testDevice.device();
    Function<List<Tensor>, Optimizer> sgd = p -> new SGD(p, 0.05).momentum(0.9);
    Run eager = train(device, sgd, 100, false);
    Run replayed = train(device, sgd, 100, true);
    assertArrayEquals(eager.losses(), replayed.losses(), "per-step losses");
    assertEquals(eager.params().keySet(), replayed.params().keySet());
    for (String name : eager.params().keySet()) {
      assertArrayEquals(eager.params().get(name), replayed.params().get(name), name);
    }
    // the run trained: the loss moved (a replay that ran nothing would leave it where the capture put it)
    assertTrue(eager.losses()[99] != eager.losses()[3], "training changed the loss");
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aHostSynchronizationDuringCaptureFailsWithTheFixAndTheDeviceWorksAfter(TestDevice testDevice) {
    Device device = testDevice.device();
    try (Tensor a = Tensor.zeros(DType.FLOAT32, 4).to(device)) {
      Runnable readToHost = () -> {
        try (TensorScope s = new TensorScope()) {
          a.add(a).sum().item();  // a read to the host: the host would wait for work that is only recorded
        }
      };
      readToHost.run();  // eagerly first: the allocator's cache then holds the blocks the capture needs
      DeviceException e = assertThrows(DeviceException.class, () -> CudaGraph.capture(device, readToHost));
      assertTrue(e.getMessage().contains("a host synchronization (")
          && e.getMessage().contains("was attempted while capturing a CUDA graph"), e.getMessage());
      assertFalse(CudaGraph.isCapturing(device));
      try (Tensor c = a.add(1.0)) {
        assertEquals(4.0, c.sum().item(), "eager work runs after the abandoned capture");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void closingTheGraphReleasesItsPrivatePool(TestDevice testDevice) {
    Device device = testDevice.device();
    Tensor a;
    try (Tensor zeros = Tensor.zeros(DType.FLOAT32, 1000)) {
      a = zeros.to(device);
    }
    try (TensorScope s = new TensorScope()) {
      assertEquals(2.0 * 1000, a.add(2.0).sum().item(), 0.0);  // whatever the ops keep per device, made now
    }
    device.releaseCached();
    long inUse = device.bytesInUse();
    a.add(1.0).close();  // the block the captured add uses, in the cache
    Tensor[] out = new Tensor[1];
    CudaGraph g = CudaGraph.capture(device, () -> out[0] = a.add(1.0));
    g.replay();
    out[0].close();  // a block of the pool: back to the pool, not to other work
    try (TensorScope s = new TensorScope()) {
      assertEquals(2.0 * 1000, a.add(2.0).sum().item(), 0.0);
    }
    device.releaseCached();
    assertTrue(device.bytesCached() > 0, "the live graph's pool keeps its block through releaseCached");
    g.close();
    assertTrue(g.isClosed());
    device.releaseCached();
    assertEquals(0, device.bytesCached(), "closing the graph gave its pool back");
    assertEquals(inUse, device.bytesInUse(), "bytes in use back to the start");
    assertThrows(IllegalStateException.class, g::replay);
    a.close();
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void adamRefusesToBeCapturedRatherThanFreezeItsBiasCorrections(TestDevice testDevice) {
    Device device = testDevice.device();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> train(device, p -> new Adam(p, 1e-3), 3, true));
    assertTrue(e.getMessage().contains("Adam's step") && e.getMessage().contains("cannot be captured"), e.getMessage());
    assertFalse(CudaGraph.isCapturing(device));
  }

  @Test
  void theCpuCannotCapture() {
    DeviceException e = assertThrows(DeviceException.class, () -> CudaGraph.capture(Device.cpu(), () -> {}));
    assertTrue(e.getMessage().contains("CUDA graphs need the cuda or cuda-emu device"), e.getMessage());
    try (Tensor x = Tensor.zeros(2, 3); Tensor y = Tensor.zeros(2)) {
      IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
          () -> new StepGraph(x, y, () -> {}, 1, null));
      assertTrue(a.getMessage().contains("cuda or cuda-emu"), a.getMessage());
    }
  }

  @Test
  void aBatchOfAnotherShapeAndUseAfterCloseAreRefused() {
    Device device = Device.cudaEmulated();
    try (Tensor x = Tensor.zeros(2, 3).to(device);
        Tensor y = Tensor.zeros(2).to(device);
        Tensor small = Tensor.zeros(1, 3);
        Tensor smallY = Tensor.zeros(1)) {
      StepGraph g = new StepGraph(x, y, () -> {}, 1, null);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.run(small, smallY));
      assertTrue(e.getMessage().contains("a graph replays one shape"), e.getMessage());
      g.close();
      assertThrows(IllegalStateException.class, () -> g.run(x, y));
    }
  }
}
