package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Batch;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.optim.Optimizer;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * A few Adam steps of a classifier, as the Fashion-MNIST examples train it, on a chosen device;
 * shared by the emulated-device parity tests and the real-GPU tests.
 */
final class TrainingParity {
  /** Per-step losses, final parameters and buffers (as doubles, on the host), and allocator counts. */
  record Run(double[] losses, Map<String, double[]> state, long[] mallocsAfterStep) {}

  private TrainingParity() {}

  /** Synthetic image-like data: values in [-0.5, 0.5), labels in [0, 10). */
  static ArrayDataset syntheticImages(int n, long[] sampleShape, long seed) {
    Random r = new Random(seed);
    long per = 1;
    for (long d : sampleShape) per *= d;
    float[] x = new float[Math.toIntExact(n * per)];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - 0.5f;
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
    return ArrayDataset.withLabels(x, sampleShape, labels);
  }

  /** SGD with momentum: its steps are proportional to the gradients, so rounding stays rounding. */
  static Optimizer sgd(List<Tensor> params) {
    return new SGD(params, 0.05).momentum(0.9);
  }

  /** The workloads' optimizer (Adam, lr {@link #ADAM_LR}). */
  static Optimizer adam(List<Tensor> params) {
    return new Adam(params, ADAM_LR);
  }

  static final double ADAM_LR = 1e-3;

  /**
   * Builds the model from {@code seed} on the CPU (as {@link Generator#manualSeed} then the
   * factory), moves it to {@code device}, and trains {@code steps} steps of softmax cross-entropy
   * on batches gathered on the CPU and copied over, as the Trainer does. {@code mallocs} (may be
   * null) is read after each step.
   */
  static Run train(Supplier<Layer> factory, Function<List<Tensor>, Optimizer> optimizer, Device device,
      ArrayDataset data, int batch, int steps, long seed, LongSupplier mallocs) {
    Generator.manualSeed(seed);
    double[] losses = new double[steps];
    long[] counts = new long[steps];
    try (Layer model = factory.get()) {
      model.to(device);
      CrossEntropyLoss loss = new CrossEntropyLoss();
      try (Optimizer adam = optimizer.apply(model.parameters())) {
        int step = 0;
        for (Batch b : data.batches(batch, true, seed, 0)) {
          try (TensorScope s = new TensorScope(); b) {
            adam.zeroGrad();
            Tensor out = model.forward(b.inputs().to(device));
            Tensor l = loss.compute(out, b.targets().to(device));
            l.backward();
            adam.step();
            losses[step] = l.item();
          }
          counts[step] = mallocs == null ? 0 : mallocs.getAsLong();
          if (++step == steps) break;
        }
        assertEquals(steps, step, "the data holds " + steps + " batches");
      }
      Map<String, double[]> state = new LinkedHashMap<>();
      try (TensorScope s = new TensorScope()) {
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) state.put(e.getKey(), host(e.getValue()));
        for (Map.Entry<String, Tensor> e : model.namedBuffers().entrySet()) state.put(e.getKey(), host(e.getValue()));
      }
      return new Run(losses, state, counts);
    }
  }

  private static double[] host(Tensor t) {
    Tensor c = t.to(Device.cpu()).to(DType.FLOAT64);
    return c.toDoubleArray();
  }

  /** Losses within rtol, every parameter and buffer element within atol + rtol |expected|. */
  static void assertSameTraining(Run expected, Run actual, double rtol, double atol, String what) {
    assertAllClose(expected.losses(), actual.losses(), rtol, atol, what + " per-step losses");
    assertEquals(expected.state().keySet(), actual.state().keySet(), what + ": parameter and buffer names");
    for (String name : expected.state().keySet()) {
      assertAllClose(expected.state().get(name), actual.state().get(name), rtol, atol, what + " " + name);
    }
  }

  /**
   * For Adam runs. Adam scales each gradient to a step of about lr, so where a gradient is tiny
   * (a weight from an input ReLU zeroed for most samples, the bias of a convolution feeding batch
   * norm, whose true gradient is zero) rounding noise that differs between devices moves the
   * weight by up to lr per step. Losses must agree within rtol; every element within
   * 2 lr steps; and all but one element in a thousand within atol + rtol |expected|.
   */
  static void assertSameAdamTraining(Run expected, Run actual, double rtol, double atol, String what) {
    assertAllClose(expected.losses(), actual.losses(), rtol, atol, what + " per-step losses");
    assertEquals(expected.state().keySet(), actual.state().keySet(), what + ": parameter and buffer names");
    double bound = 2 * ADAM_LR * expected.losses().length;
    long total = 0, loose = 0;
    for (String name : expected.state().keySet()) {
      double[] e = expected.state().get(name), a = actual.state().get(name);
      assertAllClose(e, a, 0, bound, what + " " + name + " (bound of Adam steps)");
      for (int i = 0; i < e.length; i++) if (!(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) loose++;
      total += e.length;
    }
    assertTrue(loose * 1000 <= total, what + ": " + loose + " of " + total + " elements outside atol " + atol);
  }
}
