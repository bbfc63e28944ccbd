package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Loss scaling against torch.amp.GradScaler's documented rules (initial scale 2^16, x2 after 2,000
 * good steps, x0.5 on overflow, a step skipped when a gradient is inf or NaN), with overflows
 * injected into the gradients: the scale's history against a model of those rules written here, and
 * every optimizer's parameters and state after a mix of good and skipped steps against the same
 * optimizer stepped on the good steps alone.
 */
class GradScalerTest {

  /** torch.amp.GradScaler's update rule on float32 scale and int32 tracker (its docs; products in float64). */
  private static final class ScaleModel {
    float scale;
    int tracker;
    long skipped;

    ScaleModel(float scale) {
      this.scale = scale;
    }

    void update(boolean overflow, double growth, double backoff, int interval) {
      if (overflow) {
        scale = (float) (scale * backoff);
        tracker = 0;
        skipped++;
      } else if (tracker + 1 == interval) {
        float grown = (float) (scale * growth);
        if (Float.isFinite(grown)) scale = grown;
        tracker = 0;
      } else {
        tracker++;
      }
    }
  }

  private static void setGrad(Tensor p, float[] g) {
    try (TensorScope s = new TensorScope()) {
      p.clearGrad();
      p.mul(Tensor.of(g, p.shape()).to(p.device())).sum().backward();
    }
  }

  @Test
  void defaultsArePyTorchs() {
    try (GradScaler s = new GradScaler(Device.cpu())) {
      assertEquals(65536.0, s.scaleValue());
      Map<String, Object> st = s.state();
      assertEquals(2.0, st.get("growth_factor"));
      assertEquals(0.5, st.get("backoff_factor"));
      assertEquals(2000, st.get("growth_interval"));
      assertEquals(0L, st.get("_growth_tracker"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void unscaleDividesEveryGradientAndFlagsInfAndNaN(TestDevice testDevice) {
    Device d = testDevice.device();
    try (TensorScope scope = new TensorScope(); GradScaler scaler = new GradScaler(d, 1024, 2, 0.5, 10)) {
      Tensor a = Tensor.zeros(3).to(d).requiresGrad(true);
      Tensor b = Tensor.zeros(DType.FLOAT64, 2).to(d).requiresGrad(true);
      try (SGD opt = new SGD(List.of(a, b), 0.0)) {
        setGrad(a, new float[] {1024f, -3072f, 1e-30f});
        try (TensorScope s = new TensorScope()) {
          b.mul(Tensor.of(new double[] {2048.0, 1.0 / 3}).to(d)).sum().backward();
        }
        scaler.unscale(opt);
        // float32(1/1024) is exact, so the quotients are exact; 1e-30 / 1024 is a float32 subnormal
        assertArrayEquals(new float[] {1f, -3f, 1e-30f / 1024f}, a.grad().toFloatArray());
        assertArrayEquals(new double[] {2.0, (1.0 / 3) / 1024}, b.grad().toDoubleArray());
        scaler.step(opt);
        scaler.update();
        assertEquals(0, scaler.skippedSteps());

        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
          setGrad(a, new float[] {1f, bad, 2f});
          scaler.step(opt);
          scaler.update();
        }
        assertEquals(3, scaler.skippedSteps(), "inf, -inf and NaN each skip a step");
        assertEquals(1024.0 / 8, scaler.scaleValue());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void theScaleGrowsAndBacksOffAsPyTorchsRulesSay(TestDevice testDevice) {
    Device d = testDevice.device();
    // overflow pattern: growth after 3 good steps, backoff on each overflow, growth capped at float32's max
    boolean[] overflow = {false, false, false, false, true, false, false, false, false, false, false, true, true, false};
    double[][] settings = {{8, 2, 0.5, 3}, {0x1p127, 2, 0.5, 1}, {3.0, 4.5, 0.3, 2}};
    for (double[] set : settings) {
      try (TensorScope scope = new TensorScope();
          GradScaler scaler = new GradScaler(d, set[0], set[1], set[2], (int) set[3])) {
        Tensor p = Tensor.zeros(2).to(d).requiresGrad(true);
        ScaleModel model = new ScaleModel((float) set[0]);
        try (SGD opt = new SGD(List.of(p), 0.0)) {
          for (int i = 0; i < overflow.length; i++) {
            setGrad(p, new float[] {1f, overflow[i] ? Float.POSITIVE_INFINITY : 2f});
            scaler.step(opt);
            scaler.update();
            model.update(overflow[i], set[1], set[2], (int) set[3]);
            Map<String, Object> st = scaler.state();
            assertEquals(model.scale, ((Double) st.get("scale")).floatValue(), "scale after step " + i);
            assertEquals((long) model.tracker, st.get("_growth_tracker"), "tracker after step " + i);
            assertEquals(model.skipped, st.get("skipped_steps"), "skipped after step " + i);
          }
        }
      }
    }
  }

  private record Config(String name, Function<List<Tensor>, Optimizer> make) {}

  private static List<Config> configs() {
    return List.of(
        new Config("adam", ps -> new Adam(ps, 1e-2).weightDecay(0.1)),
        new Config("adamw amsgrad", ps -> new AdamW(ps, 1e-2).amsgrad(true)),
        new Config("sgd momentum dampening", ps -> new SGD(ps, 0.1).momentum(0.9).dampening(0.3)),
        new Config("sgd nesterov", ps -> new SGD(ps, 0.1).momentum(0.9).nesterov(true)),
        new Config("adagrad decay", ps -> new AdaGrad(ps, 0.1).lrDecay(0.01)),
        new Config("rmsprop centered momentum", ps -> new RMSProp(ps, 0.01).centered(true).momentum(0.5)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void aSkippedStepChangesNothingAndIsNotCounted(TestDevice testDevice) {
    Device d = testDevice.device();
    // the first step overflows too: SGD's momentum buffer must start at the first step taken
    boolean[] overflow = {true, false, false, true, true, false, false, true, false};
    float scale = 256f;
    for (Config c : configs()) {
      try (TensorScope scope = new TensorScope(); GradScaler scaler = new GradScaler(d, scale, 2, 0.5, 1000)) {
        List<Tensor> scaled = params(d), plain = params(d);
        try (Optimizer a = c.make.apply(scaled); Optimizer b = c.make.apply(plain)) {
          int taken = 0;
          for (int i = 0; i < overflow.length; i++) {
            for (int k = 0; k < scaled.size(); k++) {
              float[] g = gradient(i, k, (int) scaled.get(k).numel());
              float[] times = new float[g.length];
              for (int j = 0; j < g.length; j++) times[j] = g[j] * scale;  // exact: scale is a power of two
              if (overflow[i]) times[k % times.length] = k % 2 == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
              setGrad(scaled.get(k), times);
              setGrad(plain.get(k), g);
            }
            scaler.step(a);
            scaler.update();
            if (!overflow[i]) {
              b.step();
              taken++;
            }
            scale = (float) scaler.scaleValue();
            for (int k = 0; k < scaled.size(); k++) {
              String where = c.name + ", step " + i + ", parameter " + k;
              assertEquals(taken, a.steps(k), where + ": steps counted");
              same(testDevice, plain.get(k), scaled.get(k), where);
            }
            Map<String, Tensor> sa = a.stateTensors(), sb = b.stateTensors();
            assertEquals(sb.keySet(), sa.keySet(), c.name + ": state names");
            for (String key : sb.keySet()) same(testDevice, sb.get(key), sa.get(key), c.name + ", step " + i + ", " + key);
          }
          assertEquals(b.stateScalars(), a.stateScalars(), c.name + ": saved step counts");
          // back to plain steps: the device's counts become the host's again
          a.step();
          b.step();
          assertEquals(b.steps(0), a.steps(0));
          same(testDevice, plain.get(0), scaled.get(0), c.name + ", plain step after scaled ones");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void groupsPastOneKernelTableAreGuardedInEveryTable(TestDevice testDevice) {
    // 150 parameters: Adam's float32 kernel table holds 63, SGD's 108 (cuda/tensor_table.h), so the guard kernel and
    // the update run per table, each with its own slots and constants
    Device d = testDevice.device();
    int[] sizes = new int[150];
    for (int k = 0; k < sizes.length; k++) sizes[k] = 1 + k % 7;
    boolean[] overflow = {true, false, true, false, false};
    for (Config c : List.of(configs().get(0), configs().get(2))) {
      float scale = 64f;
      try (TensorScope scope = new TensorScope(); GradScaler scaler = new GradScaler(d, scale, 2, 0.5, 1000)) {
        List<Tensor> scaled = params(d, sizes), plain = params(d, sizes);
        try (Optimizer a = c.make.apply(scaled); Optimizer b = c.make.apply(plain)) {
          for (int i = 0; i < overflow.length; i++) {
            for (int k = 0; k < sizes.length; k++) {
              float[] g = gradient(i, k, sizes[k]), times = new float[g.length];
              for (int j = 0; j < g.length; j++) times[j] = g[j] * scale;
              if (overflow[i] && k == 140) times[0] = Float.POSITIVE_INFINITY;  // in the last table only
              setGrad(scaled.get(k), times);
              setGrad(plain.get(k), g);
            }
            scaler.step(a);
            scaler.update();
            if (!overflow[i]) b.step();
            scale = (float) scaler.scaleValue();
          }
          for (int k = 0; k < sizes.length; k++) {
            assertEquals(b.steps(k), a.steps(k), c.name + ": steps of parameter " + k);
            same(testDevice, plain.get(k), scaled.get(k), c.name + ", parameter " + k);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void withTwoOptimizersOnlyTheOneThatOverflowedSkipsAndTheScaleBacksOffOnce(TestDevice testDevice) {
    // PyTorch: each optimizer's step checks its own gradients; update() sums every optimizer's flag
    Device d = testDevice.device();
    try (TensorScope scope = new TensorScope(); GradScaler scaler = new GradScaler(d, 16, 2, 0.5, 1000)) {
      Tensor p = Tensor.zeros(2).to(d).requiresGrad(true), q = Tensor.zeros(2).to(d).requiresGrad(true);
      try (SGD first = new SGD(List.of(p), 1.0); SGD second = new SGD(List.of(q), 1.0)) {
        setGrad(p, new float[] {Float.POSITIVE_INFINITY, 16});
        setGrad(q, new float[] {16, 32});
        scaler.step(first);
        scaler.step(second);
        scaler.update();
        assertArrayEquals(new float[] {0, 0}, p.toFloatArray(), "the overflowing optimizer skipped its step");
        assertArrayEquals(new float[] {-1, -2}, q.toFloatArray(), "the other stepped with its unscaled gradients");
        assertEquals(0, first.steps(0));
        assertEquals(1, second.steps(0));
        assertEquals(8.0, scaler.scaleValue(), "one backoff for the iteration");
        assertEquals(1, scaler.skippedSteps());
      }
    }
  }

  @Test
  void aPlainSgdStepAfterASkippedOneStartsTheMomentumBuffer() {
    // the skipped step made the buffer (zeros); the first update taken must start it at the gradient, as a fresh one
    try (TensorScope scope = new TensorScope(); GradScaler scaler = new GradScaler(Device.cpu(), 8, 2, 0.5, 1000)) {
      List<Tensor> scaled = params(Device.cpu()), plain = params(Device.cpu());
      try (Optimizer a = new SGD(scaled, 0.1).momentum(0.9).dampening(0.3);
          Optimizer b = new SGD(plain, 0.1).momentum(0.9).dampening(0.3)) {
        for (int k = 0; k < scaled.size(); k++) setGrad(scaled.get(k), new float[(int) scaled.get(k).numel()]);
        setGrad(scaled.get(0), new float[] {Float.NaN, 0, 0, 0, 0});
        scaler.step(a);
        scaler.update();
        for (int k = 0; k < scaled.size(); k++) {
          float[] g = gradient(1, k, (int) scaled.get(k).numel());
          setGrad(scaled.get(k), g);
          setGrad(plain.get(k), g);
        }
        a.step();
        b.step();
        for (int k = 0; k < scaled.size(); k++) {
          assertArrayEquals(plain.get(k).toFloatArray(), scaled.get(k).toFloatArray(), "parameter " + k);
        }
      }
    }
  }

  private static List<Tensor> params(Device d) {
    return params(d, new int[] {5, 1, 33});
  }

  private static List<Tensor> params(Device d, int[] sizes) {
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < sizes.length; k++) {
      float[] v = new float[sizes[k]];
      for (int j = 0; j < v.length; j++) v[j] = (float) Math.sin(0.7 * j + k);
      out.add(Tensor.of(v, v.length).to(d).requiresGrad(true));
    }
    return out;
  }

  private static float[] gradient(int step, int param, int n) {
    float[] g = new float[n];
    for (int j = 0; j < n; j++) g[j] = (float) Math.cos(0.3 * j + 1.7 * step + param) * 0.25f;
    return g;
  }

  // Bit for bit on the CPU and the emulation; on a GPU the guarded step's bias corrections come from
  // CUDA's pow (2 ulp in float64), which may move a float32 constant by an ulp, as the emulation's jitter mode does.
  private static void same(TestDevice device, Tensor expected, Tensor actual, String where) {
    float[] e = expected.toFloatArray(), a = actual.toFloatArray();
    boolean jitter = device == TestDevice.CUDA_EMU && String.valueOf(System.getenv("JDNN_EMU_MODES")).contains("jitter");
    if (device != TestDevice.CUDA && !jitter) {
      assertArrayEquals(e, a, where);
      return;
    }
    for (int j = 0; j < e.length; j++) {
      assertEquals(e[j], a[j], 4 * Math.ulp(Math.max(Math.abs(e[j]), 1e-6f)), where + " element " + j);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void aRestoredScalerContinuesBitForBit(TestDevice testDevice) {
    Device d = testDevice.device();
    boolean[] overflow = {false, true, false, false, false, true, false, false};
    try (TensorScope scope = new TensorScope()) {
      List<Tensor> once = params(d), twice = params(d);
      try (GradScaler s1 = new GradScaler(d, 512, 2, 0.5, 2); Adam a1 = new Adam(once, 1e-2);
          GradScaler s2 = new GradScaler(d, 512, 2, 0.5, 2); Adam a2 = new Adam(twice, 1e-2)) {
        Map<String, Object> saved = null;
        Map<String, Tensor> savedTensors = null;
        Map<String, Object> savedScalars = null;
        for (int i = 0; i < overflow.length; i++) {
          runStep(s1, a1, once, i, overflow[i]);
          if (i < 4) runStep(s2, a2, twice, i, overflow[i]);
          if (i == 3) {
            saved = s2.state();
            savedTensors = a2.stateTensors();
            savedScalars = a2.stateScalars();
          }
        }
        try (GradScaler s3 = new GradScaler(d, 512, 2, 0.5, 2); Adam a3 = new Adam(twice, 1e-2)) {
          s3.loadState(saved);
          a3.loadState(savedTensors, savedScalars);
          for (int i = 4; i < overflow.length; i++) runStep(s3, a3, twice, i, overflow[i]);
          assertEquals(s1.state(), s3.state());
          for (int k = 0; k < once.size(); k++) same(testDevice, once.get(k), twice.get(k), "parameter " + k);
        }
      }
    }
  }

  private static void runStep(GradScaler scaler, Optimizer opt, List<Tensor> ps, int step, boolean overflow) {
    float scale = (float) scaler.scaleValue();
    for (int k = 0; k < ps.size(); k++) {
      float[] g = gradient(step, k, (int) ps.get(k).numel());
      for (int j = 0; j < g.length; j++) g[j] *= scale;
      if (overflow) g[0] = Float.POSITIVE_INFINITY;
      setGrad(ps.get(k), g);
    }
    scaler.step(opt);
    scaler.update();
  }

  @Test
  void misuseIsRefusedWithTheFix() {
    try (TensorScope scope = new TensorScope(); GradScaler scaler = new GradScaler(Device.cpu())) {
      Tensor p = Tensor.zeros(2).requiresGrad(true);
      try (SGD opt = new SGD(List.of(p), 0.1)) {
        setGrad(p, new float[] {1, 2});
        IllegalStateException noStep = assertThrows(IllegalStateException.class, scaler::update);
        assertTrue(noStep.getMessage().contains("call step(optimizer) first"), noStep.getMessage());
        p.clearGrad();
        IllegalStateException noGrad = assertThrows(IllegalStateException.class, () -> scaler.step(opt));
        assertTrue(noGrad.getMessage().contains("no gradients"), noGrad.getMessage());
        setGrad(p, new float[] {1, 2});
        scaler.step(opt);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> scaler.step(opt));
        assertTrue(twice.getMessage().contains("call update() once per iteration"), twice.getMessage());
        assertThrows(IllegalStateException.class, scaler::state);
        scaler.update();
        IllegalArgumentException f64 = assertThrows(IllegalArgumentException.class,
            () -> scaler.scale(Tensor.zeros(DType.FLOAT64)));
        assertTrue(f64.getMessage().contains("float32 loss"), f64.getMessage());
        IllegalArgumentException badLoad = assertThrows(IllegalArgumentException.class, () -> scaler.loadState(
            Map.of("scale", 2.0, "growth_factor", 3.0, "backoff_factor", 0.5, "growth_interval", 2000,
                "_growth_tracker", 0, "skipped_steps", 0)));
        assertTrue(badLoad.getMessage().contains("growth_factor"), badLoad.getMessage());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> new GradScaler(Device.cpu(), 65536, 1.0, 0.5, 10));
    assertThrows(IllegalArgumentException.class, () -> new GradScaler(Device.cpu(), 65536, 2, 1.5, 10));
    assertThrows(IllegalArgumentException.class, () -> new GradScaler(Device.cpu(), 0, 2, 0.5, 10));
    assertThrows(IllegalArgumentException.class, () -> new GradScaler(Device.cpu(), 1e-46, 2, 0.5, 10));
    assertThrows(IllegalArgumentException.class, () -> new GradScaler(Device.cpu(), 65536, 2, 0.5, 0));
  }
}
