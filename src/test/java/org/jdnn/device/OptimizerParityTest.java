package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.jdnn.optim.AdaGrad;
import org.jdnn.optim.Adam;
import org.jdnn.optim.AdamW;
import org.jdnn.optim.GradClip;
import org.jdnn.optim.Optimizer;
import org.jdnn.optim.RMSProp;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Optimizer steps on the CUDA backend (cuda-emu, and the GPU where usable) against the CPU backend:
 * every update rule and option over several steps, through the update kernels directly and through
 * org.jdnn.optim.
 */
class OptimizerParityTest {
  private static final Device CPU = Device.cpu();
  private static final int STEPS = 5;
  private static final int[] SIZES = {1, 7, 300};

  /** One optimizer step on parameter p with gradient g and state tensors s, at 1-based step t. */
  private interface Rule {
    void step(Tensor p, Tensor g, Tensor[] s, long t);
  }

  private record Config(String name, int states, double stateInit, Rule rule) {}

  private static final List<Config> CONFIGS = List.of(
      new Config("sgd", 0, 0, (p, g, s, t) -> OptimOps.sgd(p, g, null, 0.1, 0, 0, 0, false, t == 1)),
      new Config("sgd wd", 0, 0, (p, g, s, t) -> OptimOps.sgd(p, g, null, 0.1, 0, 0, 0.05, false, t == 1)),
      new Config("sgd momentum dampening wd", 1, 0,
          (p, g, s, t) -> OptimOps.sgd(p, g, s[0], 0.05, 0.9, 0.2, 0.01, false, t == 1)),
      new Config("sgd nesterov", 1, 0, (p, g, s, t) -> OptimOps.sgd(p, g, s[0], 0.05, 0.9, 0, 0, true, t == 1)),
      new Config("adagrad", 1, 0, (p, g, s, t) -> OptimOps.adagrad(p, g, s[0], 0.1, 0, 1e-10, 0, t)),
      new Config("adagrad decay wd init", 1, 0.1,
          (p, g, s, t) -> OptimOps.adagrad(p, g, s[0], 0.1, 0.05, 1e-8, 0.1, t)),
      new Config("rmsprop", 1, 0, (p, g, s, t) -> OptimOps.rmsprop(p, g, s[0], null, null, 0.01, 0.99, 1e-8, 0, 0)),
      new Config("rmsprop centered", 2, 0,
          (p, g, s, t) -> OptimOps.rmsprop(p, g, s[0], s[1], null, 0.01, 0.9, 1e-8, 0, 0)),
      new Config("rmsprop momentum wd", 2, 0,
          (p, g, s, t) -> OptimOps.rmsprop(p, g, s[0], null, s[1], 0.01, 0.9, 1e-8, 0.02, 0.8)),
      new Config("rmsprop centered momentum wd", 3, 0,
          (p, g, s, t) -> OptimOps.rmsprop(p, g, s[0], s[1], s[2], 0.01, 0.9, 1e-6, 0.02, 0.5)),
      new Config("adam", 2, 0, (p, g, s, t) -> OptimOps.adam(p, g, s[0], s[1], null, 1e-2, 0.9, 0.999, 1e-8, 0, t, false)),
      new Config("adam wd", 2, 0,
          (p, g, s, t) -> OptimOps.adam(p, g, s[0], s[1], null, 1e-2, 0.8, 0.99, 1e-8, 0.1, t, false)),
      new Config("adam amsgrad", 3, 0,
          (p, g, s, t) -> OptimOps.adam(p, g, s[0], s[1], s[2], 1e-2, 0.9, 0.999, 1e-8, 0.01, t, false)),
      new Config("adamw", 2, 0,
          (p, g, s, t) -> OptimOps.adam(p, g, s[0], s[1], null, 1e-2, 0.9, 0.999, 1e-8, 0.05, t, true)),
      new Config("adamw amsgrad", 3, 0,
          (p, g, s, t) -> OptimOps.adam(p, g, s[0], s[1], s[2], 1e-2, 0.9, 0.999, 1e-8, 0.05, t, true)));

  /** The parameter and every state tensor after STEPS steps, concatenated. */
  private static double[] run(Device dev, Config c, DType dt, double[] p0, double[][] grads) {
    try (TensorScope scope = new TensorScope()) {
      int n = p0.length;
      Tensor p = make(p0, dt, n).to(dev);
      Tensor[] s = new Tensor[c.states];
      for (int i = 0; i < s.length; i++) {
        s[i] = Tensor.empty(dt, dev, n);
        MemoryOps.fill(s[i], c.stateInit);
      }
      for (int t = 1; t <= STEPS; t++) {
        c.rule.step(p, make(grads[t - 1], dt, n).to(dev), s, t);
      }
      assertEquals(dev, p.device());
      double[] out = new double[n * (1 + s.length)];
      System.arraycopy(values(p), 0, out, 0, n);
      for (int i = 0; i < s.length; i++) System.arraycopy(values(s[i]), 0, out, n * (i + 1), n);
      return out;
    }
  }

  private static double tol(DType dt) {
    return dt == DType.FLOAT32 ? 1e-5 : 1e-12;
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void everyUpdateRuleMatchesCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(21);
    for (DType dt : FLOATS) {
      for (int n : SIZES) {
        double[] p0 = uniform(r, n, -1, 1);
        double[][] grads = new double[STEPS][];
        for (int t = 0; t < STEPS; t++) grads[t] = uniform(r, n, -0.5, 0.5);
        for (Config c : CONFIGS) {
          String what = c.name + " " + dt + " n=" + n;
          double[] cpu = run(CPU, c, dt, p0, grads);
          double[] got = run(dev, c, dt, p0, grads);
          assertAllClose(cpu, got, tol(dt), tol(dt), what);
          // The parameter moved, so the comparison covers the update and not only the copy.
          double moved = 0;
          for (int i = 0; i < n; i++) moved = Math.max(moved, Math.abs(cpu[i] - p0[i]));
          assertTrue(moved > 1e-4, what + ": parameter did not move");
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void clipValueMatchesCpuIncludingNaNAndInfinity(TestDevice testDevice) {
    Device dev = testDevice.device();
    double[] g = {-3, -0.5, -0.25, 0, 0.25, 0.5, 3, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    for (DType dt : FLOATS) {
      for (double limit : new double[] {0, 0.3, 10}) {
        double[] cpu = clipped(CPU, g, dt, limit), got = clipped(dev, g, dt, limit);
        for (int i = 0; i < g.length; i++) {
          assertEquals(cpu[i], got[i], 0.0, dt + " limit " + limit + " element " + i);
        }
        assertTrue(Double.isNaN(got[7]));
        assertEquals(-limit, got[9], 1e-7);
      }
    }
  }

  private static double[] clipped(Device dev, double[] g, DType dt, double limit) {
    try (TensorScope scope = new TensorScope()) {
      Tensor t = make(g, dt, g.length).to(dev);
      OptimOps.clipValue(t, limit);
      return values(t);
    }
  }

  // ---- through org.jdnn.optim ------------------------------------------------------------------

  private static final Map<String, Function<List<Tensor>, Optimizer>> OPTIMIZERS = new LinkedHashMap<>();

  static {
    OPTIMIZERS.put("SGD", ps -> new SGD(ps, 0.5));
    OPTIMIZERS.put("SGD nesterov wd", ps -> new SGD(ps, 0.5).momentum(0.9).nesterov(true).weightDecay(1e-2));
    OPTIMIZERS.put("SGD momentum dampening", ps -> new SGD(ps, 0.5).momentum(0.8).dampening(0.3));
    OPTIMIZERS.put("AdaGrad", ps -> new AdaGrad(ps, 0.1).lrDecay(0.01).initialAccumulatorValue(0.1).weightDecay(0.01));
    OPTIMIZERS.put("RMSProp centered momentum", ps -> new RMSProp(ps, 0.01).centered(true).momentum(0.9).weightDecay(0.01));
    OPTIMIZERS.put("RMSProp", ps -> new RMSProp(ps, 0.01));
    OPTIMIZERS.put("Adam", ps -> new Adam(ps, 0.01));
    OPTIMIZERS.put("Adam amsgrad wd", ps -> new Adam(ps, 0.01).amsgrad(true).weightDecay(0.01).betas(0.8, 0.99));
    OPTIMIZERS.put("AdamW", ps -> new AdamW(ps, 0.01).weightDecay(0.1));
    OPTIMIZERS.put("AdamW amsgrad", ps -> new AdamW(ps, 0.01).amsgrad(true));
  }

  /**
   * Trains logits (parameter 0, N x C) and a second parameter holding a single logit row toward fixed
   * labels with cross-entropy for STEPS steps; returns the parameters and the losses seen.
   */
  private static double[] train(Device dev, String name, DType dt, double[] init, double[] init2, long[] labels,
      int n, int c, double clip) {
    List<Tensor> params = new ArrayList<>();
    try (TensorScope scope = new TensorScope()) {
      Tensor logits = make(init, dt, n, c).to(dev).requiresGrad(true);
      Tensor row = make(init2, dt, 1, c).to(dev).requiresGrad(true);
      params.add(logits);
      params.add(row);
      Tensor labelsOnDev = Tensor.ofLongs(labels).to(dev);
      Tensor rowLabel = Tensor.ofLongs(new long[] {labels[0]}).to(dev);
      double[] losses = new double[STEPS];
      try (Optimizer o = OPTIMIZERS.get(name).apply(params)) {
        for (int t = 0; t < STEPS; t++) {
          o.zeroGrad();
          try (TensorScope step = new TensorScope()) {
            Tensor loss = LossOps.crossEntropy(logits, labelsOnDev, "CrossEntropyLoss");
            losses[t] = loss.item();
            loss.backward();
            LossOps.crossEntropy(row, rowLabel, "CrossEntropyLoss").backward();
          }
          if (clip > 0) GradClip.byValue(params, clip);
          o.step();
        }
        assertEquals(STEPS, o.steps(logits));
      }
      double[] a = values(logits), b = values(row);
      double[] out = new double[a.length + b.length + STEPS];
      System.arraycopy(a, 0, out, 0, a.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      System.arraycopy(losses, 0, out, a.length + b.length, STEPS);
      return out;
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void javaOptimizersTrainTheSameOnBothBackends(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(8);
    int n = 6, c = 5;
    double[] init = uniform(r, n * c, -2, 2), init2 = uniform(r, c, -2, 2);
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) labels[i] = r.nextInt(c);
    for (DType dt : FLOATS) {
      for (String name : OPTIMIZERS.keySet()) {
        for (double clip : new double[] {0, 0.02}) {
          String what = name + " " + dt + (clip > 0 ? " clipped" : "");
          double[] cpu = train(CPU, name, dt, init, init2, labels, n, c, clip);
          double[] got = train(dev, name, dt, init, init2, labels, n, c, clip);
          assertAllClose(cpu, got, tol(dt), tol(dt), what);
          double first = cpu[cpu.length - STEPS], last = cpu[cpu.length - 1];
          assertTrue(last < first, what + ": training lowers the loss (" + first + " -> " + last + ")");
          assertFalse(Double.isNaN(last), what);
        }
      }
    }
  }
}
