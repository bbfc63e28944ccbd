package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.examples.FashionMnistCnn;
import org.jdnn.examples.FashionMnistMlp;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.train.History;
import org.jdnn.train.Metric;
import org.jdnn.train.Trainer;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;

/**
 * The benchmark workloads W1 (MLP) and W2 (CNN) trained for a few steps on the CPU and on the
 * CUDA backend from the same seed agree within float32 tolerance, step by step; steady-state steps
 * allocate no device memory. The device under test is cuda-emu unless the system property
 * {@code jdnn.parity.device} names another (cuda on a GPU machine; cpu checks the harness itself); under
 * {@code -Djdnn.require.gpu=true} it is cuda by default.
 */
class TrainingParityTest {
  private static final int BATCH = 16;
  private static final int STEPS = 3;
  // float32 with different summation orders (see TrainingParity for what Adam does to it)
  private static final double RTOL = 1e-4;
  private static final double ATOL = 1e-5;

  /** jdnn.parity.device; by default cuda-emu, or cuda under -Djdnn.require.gpu=true (failing where none is usable). */
  private static Device device() {
    String name = System.getProperty("jdnn.parity.device", TestDevice.gpuRequired() ? "cuda" : "cuda-emu");
    return name.equals("cuda") ? TestDevice.CUDA.device() : Device.byName(name);
  }

  @Test
  void w1MlpTrainsAlikeOnCpuAndDevice() {
    try (ArrayDataset data = TrainingParity.syntheticImages(BATCH * STEPS, new long[] {784}, 11)) {
      TrainingParity.Run cpu = TrainingParity.train(FashionMnistMlp::model, TrainingParity::sgd, Device.cpu(), data, BATCH, STEPS, 5, null);
      TrainingParity.Run dev = TrainingParity.train(FashionMnistMlp::model, TrainingParity::sgd, device(), data, BATCH, STEPS, 5, null);
      assertNotEquals(cpu.losses()[0], cpu.losses()[STEPS - 1], "the steps change the model");
      TrainingParity.assertSameTraining(cpu, dev, RTOL, ATOL, "W1 (SGD) on " + device());
    }
  }

  @Test
  void w2CnnTrainsAlikeOnCpuAndDevice() {
    // BatchNorm running statistics and Dropout masks (Philox from the same seed) are compared too.
    try (ArrayDataset data = TrainingParity.syntheticImages(BATCH * STEPS, new long[] {1, 28, 28}, 12)) {
      TrainingParity.Run cpu = TrainingParity.train(FashionMnistCnn::model, TrainingParity::sgd, Device.cpu(), data, BATCH, STEPS, 6, null);
      TrainingParity.Run dev = TrainingParity.train(FashionMnistCnn::model, TrainingParity::sgd, device(), data, BATCH, STEPS, 6, null);
      assertTrue(cpu.state().containsKey("1.running_mean"), cpu.state().keySet().toString());
      TrainingParity.assertSameTraining(cpu, dev, RTOL, ATOL, "W2 (SGD) on " + device());
    }
  }

  @Test
  void w1AndW2WithTheirAdamTrainAlike() {
    try (ArrayDataset mlp = TrainingParity.syntheticImages(BATCH * STEPS, new long[] {784}, 14);
        ArrayDataset cnn = TrainingParity.syntheticImages(BATCH * STEPS, new long[] {1, 28, 28}, 15)) {
      TrainingParity.assertSameAdamTraining(
          TrainingParity.train(FashionMnistMlp::model, TrainingParity::adam, Device.cpu(), mlp, BATCH, STEPS, 8, null),
          TrainingParity.train(FashionMnistMlp::model, TrainingParity::adam, device(), mlp, BATCH, STEPS, 8, null),
          RTOL, ATOL, "W1 (Adam) on " + device());
      TrainingParity.assertSameAdamTraining(
          TrainingParity.train(FashionMnistCnn::model, TrainingParity::adam, Device.cpu(), cnn, BATCH, STEPS, 9, null),
          TrainingParity.train(FashionMnistCnn::model, TrainingParity::adam, device(), cnn, BATCH, STEPS, 9, null),
          RTOL, ATOL, "W2 (Adam) on " + device());
    }
  }

  @Test
  void steadyStateStepsAllocateNoDeviceMemory() {
    Device dev = device();
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.isCuda(), "allocation counts exist for CUDA devices only");
    int steps = 5;
    try (ArrayDataset data = TrainingParity.syntheticImages(BATCH * steps, new long[] {784}, 13)) {
      TrainingParity.Run run = TrainingParity.train(FashionMnistMlp::model, TrainingParity::adam, dev, data, BATCH, steps, 7,
          dev::deviceMallocs);
      long[] m = run.mallocsAfterStep();
      String counts = "device mallocs after each step: " + java.util.Arrays.toString(m);
      // Adam creates its state during step 1, partly in blocks that step 1's temporaries had used and
      // freed, so step 2 may allocate those temporaries once more (at most one block per state tensor).
      assertTrue(m[1] - m[0] <= 2 * 6, counts);
      for (int i = 2; i < steps; i++) assertEquals(m[1], m[i], counts);
    }
  }

  @Test
  void trainerFitsOnTheModelsDeviceWithDataOnTheCpu() {
    Device dev = device();
    double[] cpuLoss = fit(Device.cpu());
    double[] devLoss = fit(dev);
    assertAllClose(cpuLoss, devLoss, RTOL, ATOL, "Trainer epoch losses on " + dev);
  }

  // Two epochs of a small MLP through Trainer.fit (prefetch thread, validation, accuracy metric).
  private static double[] fit(Device device) {
    Generator.manualSeed(21);
    try (ArrayDataset train = TrainingParity.syntheticImages(40, new long[] {12}, 3);
        ArrayDataset val = TrainingParity.syntheticImages(10, new long[] {12}, 4);
        Layer model = new Sequential(new Linear(12, 16), new ReLU(), new Linear(16, 10))) {
      model.to(device);
      assertSame(Device.cpu(), train.features().device());
      try (Adam adam = new Adam(model.parameters(), 1e-2)) {
        History h = new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(8).seed(9)
            .metrics(Metric.accuracy()).fit(train, val);
        assertSame(device, model.device());
        try (Tensor p = new Trainer(model, adam, new CrossEntropyLoss()).predict(val.features())) {
          assertSame(device, p.device(), "predictions stay on the model's device");
        }
        List<Double> loss = h.get("loss");
        List<Double> valLoss = h.get("val_loss");
        return new double[] {loss.get(0), loss.get(1), valLoss.get(0), valLoss.get(1)};
      }
    }
  }
}
