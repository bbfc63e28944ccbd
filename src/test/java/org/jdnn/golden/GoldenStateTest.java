package org.jdnn.golden;

import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jdnn.io.SafeTensorsFile;
import org.jdnn.io.StateDicts;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.AdamW;
import org.jdnn.optim.Optimizer;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.ScopedTensors;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * jdnn against a state libtorch wrote (the outside oracle; llm.c's test_gpt2 is the model): W1 and
 * W2 at the small widths of tools/golden-state (its README says how the file was made), loaded
 * with libtorch's initial weights, must give libtorch's logits, loss and parameter gradients for
 * the file's batch, and after 3 steps of SGD with momentum, of Adam and of AdamW (settings read
 * from the file's metadata) libtorch's parameters and batch-norm statistics. On cpu, cuda-emu,
 * and cuda where a GPU is usable (skipped with the reason otherwise).
 *
 * <p><b>Tolerances.</b> Both sides compute in float32 but sum in different orders (blocked GEMMs,
 * direct vs im2col convolution, batch-norm reductions), so an element differs by rounding
 * accumulated over its sums: about u sqrt(n) times the magnitudes added, u = 2^-24 the float32
 * unit roundoff and n up to 6,272 (batch-norm statistics over 8 x 28 x 28), some 5e-6 of a
 * tensor's magnitude, compounded over 3 layers forward, 3 backward and 3 training steps. An
 * element near zero is a cancelled sum whose error is set by the magnitudes cancelled, not by its
 * own value. So each tensor is compared as |jdnn - libtorch| <= {@value #REL} |libtorch| + {@value
 * #SCALE} max|libtorch over the tensor|. Measured on cpu and cuda-emu, the largest difference is
 * 4.8e-6 of its tensor's scale (W2's batch-norm shift after 3 AdamW steps; logits 4e-7, gradients
 * 2.7e-6, after SGD 1e-6): the tolerance leaves a margin of 20, and is still below what a real
 * error does. Changes that the test must and does catch (tried by hand): one initial weight off by
 * 1e-3, the loss scaled by 1.001, SGD dampening 0.1, Adam beta2 0.99 or eps 1e-6, AdamW without
 * decay, batch-norm momentum 0.11 or eps 1e-4. Per-step losses, single sums of 8 terms, get
 * {@value #REL}.
 *
 * <p><b>Where the exact value is zero.</b> A convolution bias feeding batch norm cannot change the
 * normalized output: its exact gradient is 0, and both frameworks return rounding noise (libtorch
 * up to 1.5e-7, 9e-7 of the layer's weight-gradient scale; jdnn up to 3.6e-8). The test requires
 * both to stay within {@value #ZERO_GRAD} of the weight-gradient scale. Adam turns that noise into
 * a step of up to about lr whose sign is noise (measured: the two frameworks' conv biases end
 * 1e-3 to 2e-3 apart after 3 steps at lr 1e-3), so after Adam and AdamW those biases are held to
 * the bound of Adam steps (2 lr per step around the initial value), and the running means of the
 * batch norms after them, which average batch means containing the bias, get that noise's share
 * on top ({@link #noisyBiasInRunningMean}; measured up to 4.4e-4 apart, bound 1.2e-3). SGD moves
 * those biases by lr times the noise, so after SGD they and the running means are compared as
 * every other tensor, which also holds the running-mean update itself to libtorch's.
 */
@ExtendWith(ScopedTensors.class)
class GoldenStateTest {
  private static final String RESOURCE = "/golden/w1w2-libtorch.safetensors";
  static final double REL = 1e-4;
  static final double SCALE = 1e-4;
  static final double ZERO_GRAD = 1e-4;
  private static final int STEPS = 3;
  /** The convolution biases that feed batch norm, in W2. */
  private static final List<String> BIASES_BEFORE_NORM = List.of("0.bias", "4.bias");
  /** The running means of the batch norms those biases feed. */
  private static final List<String> RUNNING_MEANS_AFTER_THOSE = List.of("1.running_mean", "5.running_mean");

  static Stream<Arguments> modelsOnDevices() {
    return Stream.of("w1", "w2").flatMap(m -> Stream.of("cpu", "cuda-emu", "cuda").map(d -> Arguments.of(m, d)));
  }

  static Stream<Arguments> stepsOnDevices() {
    return modelsOnDevices().flatMap(a -> Stream.of("sgd", "adam", "adamw")
        .map(o -> Arguments.of(a.get()[0], a.get()[1], o)));
  }

  @Test
  void fileIsTheDocumentedOne() throws IOException {
    Path p = path();
    assertTrue(Files.size(p) < 2L << 20, p + " is " + Files.size(p) + " bytes, over the 2 MB budget");
    try (SafeTensorsFile f = SafeTensorsFile.openForeign(p)) {
      for (String key : List.of("libtorch", "date", "seed", "w1", "w2", "loss", "mode", "steps", "sgd", "adam", "adamw")) {
        assertNotNull(f.metadata().get(key), "metadata '" + key + "' (how the file was made)");
      }
      assertEquals(DType.FLOAT32, f.entries().get("input").dtype);
      assertEquals(DType.INT64, f.entries().get("labels").dtype);
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("modelsOnDevices")
  void logitsLossAndGradientsMatchLibtorch(String model, String deviceName) throws IOException {
    Device device = device(deviceName);
    try (SafeTensorsFile f = SafeTensorsFile.openForeign(path()); Layer net = load(model, f, device)) {
      Tensor logits = net.forward(input(f, model, device));
      Tensor loss = new CrossEntropyLoss().compute(logits, f.read("labels").to(device));
      loss.backward();
      assertClose(f, model + ".logits", logits, where(model, deviceName));
      assertClose(f, model + ".loss", loss, where(model, deviceName));
      for (Map.Entry<String, Tensor> e : net.namedParameters().entrySet()) {
        String name = model + ".grad." + e.getKey();
        Tensor grad = e.getValue().grad();
        assertNotNull(grad, where(model, deviceName) + ": no gradient for " + e.getKey());
        if (model.equals("w2") && BIASES_BEFORE_NORM.contains(e.getKey())) {
          assertNearZero(f, name, grad, model + ".grad." + e.getKey().replace("bias", "weight"), where(model, deviceName));
        } else {
          assertClose(f, name, grad, where(model, deviceName));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {2} on {1}")
  @MethodSource("stepsOnDevices")
  void threeOptimizerStepsMatchLibtorch(String model, String deviceName, String opt) throws IOException {
    Device device = device(deviceName);
    String what = where(model, deviceName) + " after " + STEPS + " " + opt + " steps";
    try (SafeTensorsFile f = SafeTensorsFile.openForeign(path()); Layer net = load(model, f, device)) {
      Map<String, Tensor> state = StateDicts.of(net);
      StateDicts.check(f, model + "." + opt + ".", state);
      Map<String, String> settings = settings(f, opt);
      Tensor x = input(f, model, device);
      Tensor y = f.read("labels").to(device);
      double[] losses = new double[STEPS];
      try (Optimizer o = optimizer(opt, settings, net.parameters())) {
        for (int s = 0; s < STEPS; s++) {
          try (TensorScope scope = new TensorScope()) {
            o.zeroGrad();
            Tensor loss = new CrossEntropyLoss().compute(net.forward(x), y);
            loss.backward();
            o.step();
            losses[s] = loss.item();
          }
        }
      }
      compare(values(f.read(model + ".losses." + opt)), losses, REL, 0, what + ": per-step losses");
      double bound = 2 * Double.parseDouble(settings.get("lr")) * STEPS;
      for (Map.Entry<String, Tensor> e : StateDicts.of(net).entrySet()) {
        String name = model + "." + opt + "." + e.getKey();
        Tensor t = e.getValue();
        if (t.dtype() == DType.INT64) {
          assertArrayEquals(f.read(name).toLongArray(), t.to(Device.cpu()).toLongArray(), what + ": " + e.getKey());
        } else if (model.equals("w2") && !opt.equals("sgd") && BIASES_BEFORE_NORM.contains(e.getKey())) {
          double[] init = values(f.read(model + ".init." + e.getKey()));
          compare(init, values(f.read(name)), 0, bound, "libtorch's " + name + " (bound of Adam steps)");
          compare(init, host(t), 0, bound, what + ": " + e.getKey() + " (bound of Adam steps; exact gradient 0)");
        } else if (model.equals("w2") && !opt.equals("sgd") && RUNNING_MEANS_AFTER_THOSE.contains(e.getKey())) {
          double[] expected = values(f.read(name));
          double noise = noisyBiasInRunningMean(Double.parseDouble(settings.get("lr")));
          compare(expected, host(t), REL, SCALE * maxAbs(expected) + noise, what + ": " + e.getKey()
              + " (tolerance widened by the noise of the bias before it)");
        } else {
          assertClose(f, name, t, what);
        }
      }
    }
  }

  /**
   * What the Adam-noise in a convolution bias adds to the difference in the running mean of the
   * batch norm after it: the running mean averages the batch means, which contain the bias. In
   * step t the two frameworks' biases differ by at most 2 x 2 lr (t - 1) (each within 2 lr per step
   * of the same initial value), and momentum m weighs step t by m (1 - m)^(T - t).
   */
  private static double noisyBiasInRunningMean(double lr) {
    double m = 0.1, sum = 0;
    for (int t = 1; t <= STEPS; t++) sum += m * Math.pow(1 - m, STEPS - t) * 4 * lr * (t - 1);
    return sum;
  }

  /** W1 or W2 at the file's widths, on the CPU, loaded with the file's initial state, moved to {@code device}, in training mode. */
  private static Layer load(String model, SafeTensorsFile f, Device device) throws IOException {
    Sequential net = model.equals("w1") ? w1() : w2();
    try {
      StateDicts.copyInto(f, model + ".init.", StateDicts.of(net));
      net.to(device);
      net.train();
      if (model.equals("w2")) net.get(11).eval();  // dropout as the identity, as in the file (metadata "mode")
      return net;
    } catch (IOException | RuntimeException e) {
      net.close();
      throw e;
    }
  }

  /** W1 of benchmarks.md with hidden widths 32, 16 (the tool's GoldenModels.W1). */
  private static Sequential w1() {
    return new Sequential(new Linear(784, 32), new ReLU(), new Linear(32, 16), new ReLU(), new Linear(16, 10));
  }

  /** W2 of benchmarks.md with 8 and 16 channels and hidden width 32 (the tool's GoldenModels.W2). */
  private static Sequential w2() {
    return new Sequential(
        new Conv2d(1, 8, 3, ConvOptions.padding(1)), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
        new Conv2d(8, 16, 3, ConvOptions.padding(1)), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Linear(16 * 7 * 7, 32), new ReLU(), new Dropout(0.5), new Linear(32, 10));
  }

  private static Tensor input(SafeTensorsFile f, String model, Device device) throws IOException {
    Tensor x = f.read("input");
    return (model.equals("w1") ? x.reshape(x.dim(0), 784) : x).to(device);
  }

  /** The optimizer with the file's recorded settings for {@code opt}. */
  private static Optimizer optimizer(String opt, Map<String, String> s, List<Tensor> params) {
    double lr = Double.parseDouble(s.get("lr"));
    double wd = Double.parseDouble(s.get("weight_decay"));
    switch (opt) {
      case "sgd":
        return new SGD(params, lr).momentum(Double.parseDouble(s.get("momentum")))
            .dampening(Double.parseDouble(s.get("dampening"))).weightDecay(wd)
            .nesterov(Boolean.parseBoolean(s.get("nesterov")));
      case "adam":
        return new Adam(params, lr).betas(Double.parseDouble(s.get("beta1")), Double.parseDouble(s.get("beta2")))
            .eps(Double.parseDouble(s.get("eps"))).weightDecay(wd).amsgrad(Boolean.parseBoolean(s.get("amsgrad")));
      case "adamw":
        return new AdamW(params, lr).betas(Double.parseDouble(s.get("beta1")), Double.parseDouble(s.get("beta2")))
            .eps(Double.parseDouble(s.get("eps"))).weightDecay(wd).amsgrad(Boolean.parseBoolean(s.get("amsgrad")));
      default:
        throw new IllegalArgumentException(opt);
    }
  }

  /** The metadata entry "k=v,k=v" of {@code opt}. */
  private static Map<String, String> settings(SafeTensorsFile f, String opt) {
    String line = f.metadata().get(opt);
    assertNotNull(line, "metadata '" + opt + "'");
    Map<String, String> out = new LinkedHashMap<>();
    for (String kv : line.split(",")) {
      String[] p = kv.split("=", 2);
      out.put(p[0].trim(), p[1].trim());
    }
    return out;
  }

  /** {@code actual} against the file's {@code name}: same shape, each element within the tolerances above. */
  private static void assertClose(SafeTensorsFile f, String name, Tensor actual, String what) throws IOException {
    Tensor expected = f.read(name);
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape of " + name);
    double[] e = values(expected);
    compare(e, host(actual), REL, SCALE * maxAbs(e), what + ": " + name);
  }

  /** A gradient that is exactly 0 mathematically: every element within {@link #ZERO_GRAD} of the weight gradient's scale. */
  private static void assertNearZero(SafeTensorsFile f, String name, Tensor actual, String scaleName, String what)
      throws IOException {
    double scale = maxAbs(values(f.read(scaleName)));
    double[] torch = values(f.read(name));
    compare(new double[torch.length], torch, 0, ZERO_GRAD * scale, "libtorch's " + name + " (exact value 0)");
    compare(new double[torch.length], host(actual), 0, ZERO_GRAD * scale, what + ": " + name + " (exact value 0)");
  }

  private static void compare(double[] expected, double[] actual, double rel, double abs, String what) {
    assertEquals(expected.length, actual.length, what + ": element count");
    for (int i = 0; i < expected.length; i++) {
      double tol = abs + rel * Math.abs(expected[i]);
      if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
        fail(what + ": element " + i + " of " + expected.length + ": libtorch " + expected[i] + ", jdnn " + actual[i]
            + " (difference " + Math.abs(actual[i] - expected[i]) + ", tolerance " + tol + ")");
      }
    }
  }

  private static double maxAbs(double[] v) {
    double m = 0;
    for (double x : v) m = Math.max(m, Math.abs(x));
    return m;
  }

  private static double[] host(Tensor t) {
    return values(t.to(Device.cpu()));
  }

  private static String where(String model, String device) {
    return model.toUpperCase() + " on " + device;
  }

  /** The device named; "cuda" skips the test, with the reason, where no GPU is usable (fails under jdnn.require.gpu). */
  private static Device device(String name) {
    return name.equals("cuda") ? TestDevice.CUDA.device() : Device.byName(name);
  }

  private static Path path() {
    URL url = GoldenStateTest.class.getResource(RESOURCE);
    assertNotNull(url, RESOURCE + " is not on the test class path (written by tools/golden-state)");
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(url + ": " + e.getMessage(), e);
    }
  }
}
