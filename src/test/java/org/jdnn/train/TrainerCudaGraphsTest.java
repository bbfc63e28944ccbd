package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Normalizer;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.Optimizer;
import org.jdnn.optim.SGD;
import org.jdnn.optim.schedule.StepLR;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Trainer.cudaGraphs: a fit whose full steps are replayed from a captured CUDA graph equals the eager fit bit for bit
 * (per-epoch loss and accuracy, final parameters), with the last, smaller batch of each epoch run eagerly and
 * learning-rate changes recaptured; the CPU and uncapturable layers are refused with the fix.
 */
class TrainerCudaGraphsTest {
  private static final int BATCH = 8;
  private static final long SEED = 13;

  /** W1's architecture (784-512-256-10 MLP). */
  private static Layer w1() {
    return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10));
  }

  /** n random 784-feature samples (offset, so a normalizer changes them) with labels of 10 classes. */
  private static ArrayDataset data(int n) {
    Random r = new Random(SEED);
    float[] x = new float[n * 784];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 + 1;
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
    return ArrayDataset.withLabels(x, new long[] {784}, labels);
  }

  /** A fit's history, final parameters, optimizer step count and final learning rate, and the launches it made. */
  private record Run(Map<String, List<Double>> history, Map<String, float[]> params, long steps, double rate,
      long launches) {}

  /** Options of a fit beyond the model, optimizer and graph mode. */
  private record Setup(int samples, int epochs, int logEvery, boolean normalize, boolean dataOnDevice,
      Function<Optimizer, Callback> callback) {
    static Setup plain(int samples, int epochs) {
      return new Setup(samples, epochs, 1, false, false, null);
    }
  }

  private static Run fit(Device device, Supplier<Layer> architecture, Function<List<Tensor>, Optimizer> optimizer,
      Setup setup, boolean graphs) {
    Generator.manualSeed(SEED);
    try (ArrayDataset host = data(setup.samples());
        ArrayDataset train = setup.dataOnDevice() ? host.to(device) : null;
        Layer model = architecture.get().to(device);
        Optimizer opt = optimizer.apply(model.parameters())) {
      Trainer t = new Trainer(model, opt, new CrossEntropyLoss()).epochs(setup.epochs()).batchSize(BATCH).seed(SEED)
          .logEvery(setup.logEvery()).metrics(Metric.accuracy()).cudaGraphs(graphs);
      if (setup.normalize()) t.normalizer(Normalizer.fit(host));
      if (setup.callback() != null) t.callbacks(setup.callback().apply(opt));
      long launchesBefore = device.stats().launches();
      History h = t.fit(train != null ? train : host, null);
      long launches = device.stats().launches() - launchesBefore;
      Map<String, List<Double>> history = new LinkedHashMap<>();
      for (String key : List.of("loss", "accuracy")) history.put(key, h.get(key));
      Map<String, float[]> params = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
        try (Tensor p = e.getValue().to(Device.cpu())) {
          params.put(e.getKey(), p.toFloatArray());
        }
      }
      return new Run(history, params, opt.steps(0), opt.learningRate(), launches);
    }
  }

  /** Eager and graphed fits of the same setup agree bit for bit, and the graphed one replayed (fewer launches). */
  private static Run assertGraphedEqualsEager(Device device, Function<List<Tensor>, Optimizer> optimizer, Setup setup) {
    return assertGraphedEqualsEager(device, TrainerCudaGraphsTest::w1, optimizer, setup);
  }

  private static Run assertGraphedEqualsEager(Device device, Supplier<Layer> architecture,
      Function<List<Tensor>, Optimizer> optimizer, Setup setup) {
    Run eager = fit(device, architecture, optimizer, setup, false);
    Run graphed = fit(device, architecture, optimizer, setup, true);
    assertEquals(eager.history(), graphed.history(), "per-epoch loss and accuracy");
    assertEquals(eager.params().keySet(), graphed.params().keySet());
    for (String name : eager.params().keySet()) {
      assertArrayEquals(eager.params().get(name), graphed.params().get(name), name);
    }
    assertEquals(eager.steps(), graphed.steps(), "optimizer steps (a replay counts as one)");
    assertEquals(eager.rate(), graphed.rate(), "final learning rate");
    List<Double> losses = eager.history().get("loss");
    assertNotEquals(losses.get(0), losses.get(losses.size() - 1), "the fit trained");
    // A replayed step launches the graph, the loss sum, the accuracy count (and Adam's constants) instead of every op;
    // the copies into the graph's buffers are no launches, so a trainer that ran every step eagerly would launch as
    // many as the eager fit (on cuda-emu with SGD: 108 eager; 86 graphed, and 108 with the step run eagerly).
    assertTrue(graphed.launches() < eager.launches(),
        "graphed fit launched " + graphed.launches() + " kernels, the eager fit " + eager.launches());
    return eager;
  }

  /** W1 with SGD (momentum) and with Adam, 2 epochs of 5 full batches and a last one of 3, both ways. */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void graphedFitEqualsEagerFitBitForBitWithSgdAndAdam(TestDevice testDevice) {
    Device device = testDevice.device();
    Setup setup = Setup.plain(5 * BATCH + 3, 2);
    Run sgd = assertGraphedEqualsEager(device, p -> new SGD(p, 0.05).momentum(0.9), setup);
    assertEquals(12, sgd.steps(), "5 full steps and the smaller one, per epoch");
    assertGraphedEqualsEager(device, p -> new Adam(p, 1e-3), setup);
  }

  /** The normalizer applied before the copy into the graph's buffers, data on the device, a read every 3 steps. */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void graphedFitWithNormalizerAndDataOnTheDeviceEqualsEagerFit(TestDevice testDevice) {
    Setup setup = new Setup(6 * BATCH + 5, 2, 3, true, true, null);
    assertGraphedEqualsEager(testDevice.device(), p -> new Adam(p, 1e-3), setup);
  }

  /** StepLR halving Adam's rate after every epoch: each epoch's graph replays the epoch's rate. */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aScheduleBetweenEpochsIsReplayedWithTheNewRate(TestDevice testDevice) {
    Setup setup = new Setup(6 * BATCH + 2, 3, 1, false, false, opt -> ScheduleStepping.of(new StepLR(opt, 1, 0.5)));
    Run eager = assertGraphedEqualsEager(testDevice.device(), p -> new Adam(p, 1e-2), setup);
    assertEquals(1e-2 / 8, eager.rate(), "three halvings");
  }

  /**
   * A rate halved by a callback after step 4 of epoch 1, while the step is replayed: the graph captured at step 3 is
   * replaced (steps 5 and 6 eager, step 7 captured anew), not replayed with the old rate nor refused.
   */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aRateChangedWithinAnEpochIsCapturedAgain(TestDevice testDevice) {
    Function<Optimizer, Callback> halveAfterStep4 = opt -> new Callback() {
      @Override
      public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
        if (epoch == 0 && batch == 3) opt.setLearningRate(opt.learningRate() / 2);
      }
    };
    Setup setup = new Setup(8 * BATCH + 3, 2, 1, false, false, halveAfterStep4);
    Run eager = assertGraphedEqualsEager(testDevice.device(), p -> new SGD(p, 0.05).momentum(0.9), setup);
    assertEquals(0.025, eager.rate());
  }

  @Test
  void theCpuIsRefusedAtTheStartOfFitWithTheFix() {
    Generator.manualSeed(SEED);
    try (ArrayDataset train = data(2 * BATCH); Layer model = w1(); SGD sgd = new SGD(model.parameters(), 0.1)) {
      float[] before = model.parameters().get(0).toFloatArray();
      Trainer t = new Trainer(model, sgd, new CrossEntropyLoss()).epochs(1).batchSize(BATCH).cudaGraphs(true);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(train, null));
      assertTrue(e.getMessage().contains("cudaGraphs(true) needs the model on a CUDA device")
          && e.getMessage().contains("model.to(Device.cuda())") && e.getMessage().contains("on cpu"), e.getMessage());
      assertArrayEquals(before, model.parameters().get(0).toFloatArray(), "nothing trained");
      assertEquals(0, t.history().epochs());
    }
  }

  /**
   * A model with Dropout and Adam: the graph draws each replay's mask at the generator's offset for that step and
   * takes the eager last batch's draws and step into account, so the graphed fit equals the eager one bit for bit.
   */
  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aDropoutModelTrainsWithGraphsAsEagerly(TestDevice testDevice) {
    Supplier<Layer> withDropout = () -> new Sequential(new Linear(784, 16), new ReLU(), new Dropout(0.5),
        new Linear(16, 10));
    assertGraphedEqualsEager(testDevice.device(), withDropout, p -> new Adam(p, 1e-3), Setup.plain(6 * BATCH + 3, 2));
  }

  /** A layer that draws noise from the generator at every forward: a random fill that a graph would freeze. */
  private static final class Noise extends Layer {
    @Override
    public Tensor forward(Tensor input) {
      Tensor noise = Tensor.empty(input.dtype(), input.device(), input.shape());
      Generator.global().uniform(noise, -1e-3, 1e-3);
      return input.add(noise);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void anUncapturableStepFailsNamingTheCauseAndTheFix(TestDevice testDevice) {
    Device device = testDevice.device();
    Supplier<Layer> noisy = () -> new Sequential(new Linear(784, 16), new Noise(), new Linear(16, 10));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> fit(device, noisy, p -> new SGD(p, 0.1), Setup.plain(3 * BATCH, 1), true));
    String m = e.getMessage();
    assertTrue(m.startsWith("Trainer.fit with cudaGraphs(true): the training step cannot be captured")
        && m.contains("Generator.uniform") && m.contains("Train this model without Trainer.cudaGraphs"), m);
    assertFalse(CudaGraph.isCapturing(device));
    // the device works eagerly after the abandoned capture: the same model trains without graphs
    Run eager = fit(device, noisy, p -> new SGD(p, 0.1), Setup.plain(3 * BATCH, 1), false);
    assertTrue(Double.isFinite(eager.history().get("loss").get(0)), Arrays.toString(eager.history().get("loss").toArray()));
  }
}
