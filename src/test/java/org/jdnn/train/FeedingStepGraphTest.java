package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@link StepGraph} that feeds itself from data on the device ({@link StepGraph#feeding}), with Dropout and Adam
 * captured (their per-step values come from the graph's constant table), against eager training on the same
 * batches; eager steps between replays (an epoch's last, smaller batch) and replays beyond the constant table's
 * rows.
 */
class FeedingStepGraphTest {
  private static final long SEED = 21;
  private static final int FEATURES = 20;
  private static final int CLASSES = 5;

  private static Layer mlpWithDropout() {
    return new Sequential(new Linear(FEATURES, 32), new ReLU(), new Dropout(0.25), new Linear(32, CLASSES));
  }

  /** Features and labels on {@code device}, {@code rows} rows from a fixed seed. */
  private static Tensor[] data(Device device, int rows) {
    Random r = new Random(SEED);
    float[] x = new float[rows * FEATURES];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) y[i] = r.nextInt(CLASSES);
    try (Tensor hx = Tensor.of(x, rows, FEATURES); Tensor hy = Tensor.ofInts(y, rows)) {
      return new Tensor[] {hx.to(device), hy.to(device)};
    }
  }

  private static int[] order(int rows, int epoch) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < rows; i++) idx.add(i);
    java.util.Collections.shuffle(idx, new Random(SEED * 31 + epoch));
    return idx.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Per-step losses (graph steps and the eager tail steps, in order) and the final parameters. */
  private record Run(List<Float> losses, List<float[]> params) {}

  /**
   * Trains {@code epochs} epochs of {@code rows} rows at batch {@code batch}: every full batch through a feeding
   * StepGraph when {@code graphs} (2 eager warm-up steps), else eagerly with the same gather; an epoch's last,
   * smaller batch eagerly in both.
   */
  private static Run train(Device device, Supplier<Layer> architecture, int rows, int batch, int epochs,
      boolean graphs) {
    Generator.manualSeed(SEED);
    List<Float> losses = new ArrayList<>();
    Tensor[] xy = data(device, rows);
    try (Tensor x = xy[0]; Tensor y = xy[1]; Layer model = architecture.get()) {
      model.to(device);
      model.train();
      CrossEntropyLoss loss = new CrossEntropyLoss();
      try (Optimizer opt = new Adam(model.parameters(), 1e-2);
          Tensor lossOut = Tensor.empty(DType.FLOAT32, device)) {
        BiConsumer<Tensor, Tensor> step = (in, labels) -> {
          try (TensorScope s = new TensorScope()) {
            opt.zeroGrad();
            Tensor l = loss.compute(model.forward(in), labels);
            l.backward();
            opt.step();
            lossOut.copyFrom(l.detach());
          }
        };
        try (StepGraph g = graphs ? StepGraph.feeding(x, y, batch, step, 2, opt) : null) {
          for (int epoch = 0; epoch < epochs; epoch++) {
            int[] order = order(rows, epoch);
            try (Tensor o = Tensor.ofInts(order, order.length).to(device)) {
              if (g != null) g.epoch(o);
              int full = rows / batch;
              for (int b = 0; b < full; b++) {
                if (g != null) {
                  g.step();
                } else {
                  gathered(x, y, o, (long) b * batch, batch, step);
                }
                losses.add((float) lossOut.item());
              }
              if (g != null) assertEquals(0, g.stepsLeft());
              if (rows % batch != 0) {  // the last, smaller batch: eagerly in both runs
                gathered(x, y, o, (long) full * batch, rows % batch, step);
                losses.add((float) lossOut.item());
              }
            }
          }
        }
      }
      List<float[]> params = new ArrayList<>();
      for (Tensor p : model.parameters()) {
        try (Tensor host = p.to(Device.cpu())) {
          params.add(host.toFloatArray());
        }
      }
      return new Run(losses, params);
    }
  }

  private static void gathered(Tensor x, Tensor y, Tensor order, long start, int rows,
      BiConsumer<Tensor, Tensor> step) {
    try (TensorScope s = new TensorScope()) {
      Tensor[] b = MemoryOps.gatherRows(x, y, NarrowOps.narrow(order, 0, start, rows));
      step.accept(b[0], b[1]);
    }
  }

  private static void assertSameTraining(Run eager, Run replayed) {
    assertEquals(eager.losses(), replayed.losses(), "per-step losses");
    for (int i = 0; i < eager.params().size(); i++) {
      assertArrayEquals(eager.params().get(i), replayed.params().get(i), "parameter " + i);
    }
    assertTrue(!eager.losses().get(eager.losses().size() - 1).equals(eager.losses().get(2)), "the loss moved");
  }

  /**
   * Two epochs of 37 rows at batch 8: four graph steps and an eager step of 5 rows per epoch. The eager steps
   * advance Adam's step count and the dropout generator outside the graph, so the replays after them must take
   * both from the host (graph_rebase); with either frozen, the losses differ.
   */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void feedingGraphWithDropoutAndEagerTailEqualsEagerTrainingBitForBit(TestDevice testDevice) {
    Device device = testDevice.device();
    Run eager = train(device, FeedingStepGraphTest::mlpWithDropout, 37, 8, 3, false);
    Run replayed = train(device, FeedingStepGraphTest::mlpWithDropout, 37, 8, 3, true);
    assertSameTraining(eager, replayed);
  }

  /**
   * 1,300 replays: the graph's constant table holds 512 replays' rows here (6 words a row: Adam's two constants
   * for two tensors, and Dropout's offset), so it is rewritten twice during the run; the replays stay equal to
   * eager training.
   */
  @Test
  void replaysBeyondTheConstantTableEqualEagerTraining() {
    Device device = Device.cudaEmulated();
    Supplier<Layer> tiny = () -> new Sequential(new Dropout(0.1), new Linear(FEATURES, CLASSES));
    Run eager = train(device, tiny, 1300 * 2, 2, 1, false);
    Run replayed = train(device, tiny, 1300 * 2, 2, 1, true);
    assertSameTraining(eager, replayed);
  }

  /** After the warm-up and the capture, a step of a feeding graph is one launch: no gather, copy or write beside it. */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aFeedingGraphStepIsOneLaunch(TestDevice testDevice) {
    Device device = testDevice.device();
    Tensor[] xy = data(device, 64);
    try (Tensor x = xy[0]; Tensor y = xy[1]; Layer model = mlpWithDropout(); Tensor o = order(device, 64)) {
      model.to(device);
      CrossEntropyLoss loss = new CrossEntropyLoss();
      try (Optimizer opt = new Adam(model.parameters(), 1e-3);
          StepGraph g = StepGraph.feeding(x, y, 8, (in, labels) -> {
            try (TensorScope s = new TensorScope()) {
              opt.zeroGrad();
              loss.compute(model.forward(in), labels).backward();
              opt.step();
            }
          }, 2, opt)) {
        g.epoch(o);
        for (int i = 0; i < 4; i++) g.step();  // warm-up, capture, first replays (the constants written)
        device.synchronize();
        DeviceStats before = device.stats();
        g.step();
        DeviceStats one = device.stats().minus(before);
        device.synchronize();
        assertEquals(new DeviceStats(1, 0, 0, 0, 0, 0), one, "one replayed step");
        assertEquals(3, g.stepsLeft());
      }
    }
  }

  private static Tensor order(Device device, int rows) {
    try (Tensor h = Tensor.ofInts(order(rows, 0), rows)) {
      return h.to(device);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void stepsBeyondTheEpochAndMisuseAreRefusedWithTheFix(TestDevice testDevice) {
    Device device = testDevice.device();
    Tensor[] xy = data(device, 10);
    try (Tensor x = xy[0]; Tensor y = xy[1]; Tensor o = order(device, 10); Tensor shortOrder = order(device, 3)) {
      StepGraph g = StepGraph.feeding(x, y, 4, (in, labels) -> {}, 1, null);
      IllegalStateException noEpoch = assertThrows(IllegalStateException.class, g::step);
      assertTrue(noEpoch.getMessage().contains("call epoch(order) first"), noEpoch.getMessage());
      IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class, () -> g.epoch(shortOrder));
      assertTrue(tooShort.getMessage().contains("at least one batch (4) long"), tooShort.getMessage());
      g.epoch(o);
      g.step();
      g.step();
      IllegalStateException done = assertThrows(IllegalStateException.class, g::step);
      assertTrue(done.getMessage().contains("no full batch of 4 left (2 rows)"), done.getMessage());
      IllegalStateException run = assertThrows(IllegalStateException.class, () -> g.run(x, y));
      assertTrue(run.getMessage().contains("call epoch(order) and step()"), run.getMessage());
      g.close();
      assertThrows(IllegalStateException.class, g::step);
    }
  }
}
