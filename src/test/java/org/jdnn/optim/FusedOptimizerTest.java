package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The group path of {@link Optimizer#step()} (one native call per group and dtype, one kernel launch
 * on CUDA) against the per-tensor path it replaces, bit for bit: every optimizer and configuration,
 * over several steps, with tensors of odd sizes (1, a few, past a CUDA block, past the CPU's
 * 32,768-element chunk), two groups with their own settings, and a parameter that misses the first
 * step (so one call mixes step counts and SGD's first-use flags). On cuda-emu the counters show one
 * launch per group and step, and no wait.
 */
class FusedOptimizerTest {
  private static final int STEPS = 4;
  private static final int[] SIZES = {1, 3, 257, 40_000, 70_001};
  /** Parameter 1 gets no gradient in step 1: its step count then trails the others'. */
  private static final int LATE = 1;

  private record Config(String name, Function<ParamGroups, Optimizer> make) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Config> configs() {
    return List.of(
        new Config("sgd", g -> new SGD(g, 0.1)),
        new Config("sgd wd", g -> new SGD(g, 0.1).weightDecay(0.05)),
        new Config("sgd momentum dampening wd", g -> new SGD(g, 0.05).momentum(0.9).dampening(0.2).weightDecay(0.01)),
        new Config("sgd nesterov", g -> new SGD(g, 0.05).momentum(0.9).nesterov(true)),
        new Config("adagrad", g -> new AdaGrad(g, 0.1)),
        new Config("adagrad decay wd init",
            g -> new AdaGrad(g, 0.1).lrDecay(0.05).eps(1e-8).weightDecay(0.1).initialAccumulatorValue(0.1)),
        new Config("rmsprop", g -> new RMSProp(g, 0.01)),
        new Config("rmsprop centered", g -> new RMSProp(g, 0.01).alpha(0.9).centered(true)),
        new Config("rmsprop momentum wd", g -> new RMSProp(g, 0.01).alpha(0.9).momentum(0.8).weightDecay(0.02)),
        new Config("rmsprop centered momentum wd",
            g -> new RMSProp(g, 0.01).alpha(0.9).eps(1e-6).momentum(0.5).weightDecay(0.02).centered(true)),
        new Config("adam", g -> new Adam(g, 1e-2)),
        new Config("adam wd", g -> new Adam(g, 1e-2).betas(0.8, 0.99).weightDecay(0.1)),
        new Config("adam amsgrad", g -> new Adam(g, 1e-2).weightDecay(0.01).amsgrad(true)),
        new Config("adamw", g -> new AdamW(g, 1e-2).weightDecay(0.05)),
        new Config("adamw amsgrad", g -> new AdamW(g, 1e-2).weightDecay(0.05).amsgrad(true)));
  }

  static List<Object[]> cases() {
    List<Object[]> out = new ArrayList<>();
    for (TestDevice d : TestDevice.values()) for (Config c : configs()) out.add(new Object[] {d, c});
    return out;
  }

  /** Parameters of the given sizes and dtypes with values from the seed, on the thread's default device. */
  private static List<Tensor> parameters(long seed, int[] sizes, DType[] dtypes) {
    Random r = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < sizes.length; k++) {
      out.add(values(r, sizes[k], dtypes[k], 1.0).requiresGrad(true));
    }
    return out;
  }

  private static Tensor values(Random r, int n, DType dtype, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = scale * (2 * r.nextDouble() - 1);
    return Tensor.of(v).to(dtype);
  }

  /** Gives p the gradient g exactly: the backward of sum(p * g). */
  private static void setGrad(Tensor p, Tensor g) {
    try (TensorScope s = new TensorScope()) {
      p.mul(g).sum().backward();
    }
  }

  /** Groups 0 (parameters 0-2, own lr) and 1 (the rest, own weight decay), or one group. */
  private static ParamGroups groups(List<Tensor> ps, boolean two) {
    if (!two) return ParamGroups.of(ParamGroup.of(ps));
    return ParamGroups.of(ParamGroup.of(ps.subList(0, 3)).lr(0.02), ParamGroup.of(ps.subList(3, ps.size())).weightDecay(0.03));
  }

  /**
   * Runs STEPS steps of the fused and the per-tensor optimizer over equal parameters and gradients,
   * comparing every parameter and state tensor bit for bit after each step; on CUDA, checks the
   * counters of the fused steps after state creation (steps 3 on) against {@code launchesPerStep}.
   */
  private static void compare(Config c, int[] sizes, DType[] dtypes, boolean twoGroups, Device dev,
      int launchesPerStep) {
    try (TensorScope scope = new TensorScope()) {
      List<Tensor> ref = parameters(7, sizes, dtypes), fused = parameters(7, sizes, dtypes);
      List<Tensor> initial = parameters(7, sizes, dtypes);
      try (Optimizer perTensor = c.make.apply(groups(ref, twoGroups)); Optimizer group = c.make.apply(groups(fused, twoGroups))) {
        perTensor.setFused(false);
        Random r = new Random(11);
        for (int t = 1; t <= STEPS; t++) {
          perTensor.zeroGrad();
          group.zeroGrad();
          for (int k = 0; k < sizes.length; k++) {
            Tensor g = values(r, sizes[k], dtypes[k], 0.5);
            if (t == 1 && k == LATE) continue;
            setGrad(ref.get(k), g);
            setGrad(fused.get(k), g);
          }
          perTensor.step();
          DeviceStats before = dev.stats();
          group.step();
          DeviceStats step = dev.stats().minus(before);
          String what = c.name + " on " + dev + ", step " + t;
          if (dev != Device.cpu() && t >= 3) {
            assertEquals(launchesPerStep, step.launches(), what + ": kernel launches of one step (" + step.line() + ")");
            assertEquals(0, step.syncs(), what + ": host waits of one step");
            assertEquals(0, step.h2dBytes() + step.d2hBytes(), what + ": bytes copied in one step");
          }
          for (int k = 0; k < sizes.length; k++) assertSameBits(ref.get(k), fused.get(k), what + ", parameter " + k);
          Map<String, Tensor> refState = perTensor.stateTensors(), fusedState = group.stateTensors();
          assertEquals(refState.keySet(), fusedState.keySet(), what + ": state names");
          for (String name : refState.keySet()) assertSameBits(refState.get(name), fusedState.get(name), what + ", " + name);
          assertEquals(perTensor.stateScalars(), group.stateScalars(), what + ": step counts and settings");
        }
        for (int k = 0; k < sizes.length; k++) {
          assertNotEquals(initial.get(k).to(DType.FLOAT64).toDoubleArray()[0], fused.get(k).to(DType.FLOAT64).toDoubleArray()[0], c.name + ": parameter " + k + " moved");
        }
      }
    }
  }

  private static void assertSameBits(Tensor expected, Tensor actual, String what) {
    assertEquals(expected.dtype(), actual.dtype(), what);
    if (expected.dtype() == DType.FLOAT32) {
      float[] e = expected.toFloatArray(), a = actual.toFloatArray();
      assertEquals(e.length, a.length, what);
      for (int i = 0; i < e.length; i++) {
        if (Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(a[i])) {
          fail(what + ": element " + i + " of " + e.length + " is " + a[i] + ", the per-tensor step gives " + e[i]);
        }
      }
    } else {
      double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
      assertEquals(e.length, a.length, what);
      for (int i = 0; i < e.length; i++) {
        if (Double.doubleToRawLongBits(e[i]) != Double.doubleToRawLongBits(a[i])) {
          fail(what + ": element " + i + " of " + e.length + " is " + a[i] + ", the per-tensor step gives " + e[i]);
        }
      }
    }
  }

  private static DType[] all(DType d, int n) {
    DType[] out = new DType[n];
    Arrays.fill(out, d);
    return out;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void groupStepEqualsPerTensorStepsBitForBit(TestDevice testDevice, Config c) {
    try (Device.DefaultScope use = testDevice.use()) {
      Device dev = testDevice.device();
      // two groups of float32: one launch each
      compare(c, SIZES, all(DType.FLOAT32, SIZES.length), true, dev, 2);
      // one group of float64
      compare(c, new int[] {5, 1, 300}, all(DType.FLOAT64, 3), false, dev, 1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void aGroupMixingDtypesTakesOneCallPerDtype(TestDevice testDevice) {
    try (Device.DefaultScope use = testDevice.use()) {
      DType[] mixed = {DType.FLOAT32, DType.FLOAT64, DType.FLOAT32, DType.FLOAT64, DType.FLOAT32};
      for (Config c : configs()) compare(c, new int[] {4, 9, 1, 260, 33}, mixed, false, testDevice.device(), 2);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void aGroupPastOneKernelTableTakesSeveralLaunches(TestDevice testDevice) {
    // 200 float32 tensors; Adam's kernel table holds 63 of them (cuda/tensor_table.h: 3,576 bytes
    // of 56-byte entries), so ceil(200 / 63) = 4 launches
    int[] sizes = new int[200];
    for (int k = 0; k < sizes.length; k++) sizes[k] = 1 + k % 7;
    try (Device.DefaultScope use = testDevice.use()) {
      compare(new Config("adam", g -> new Adam(g, 1e-2)), sizes, all(DType.FLOAT32, sizes.length), false,
          testDevice.device(), 4);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void aSubclassWithOnlyAPerTensorUpdateStillSteps(TestDevice testDevice) {
    try (Device.DefaultScope use = testDevice.use(); TensorScope scope = new TensorScope()) {
      Tensor p = Tensor.of(new double[] {1, 2}).requiresGrad(true);
      setGrad(p, Tensor.of(new double[] {0.5, -1}));
      List<Integer> seen = new ArrayList<>();
      try (Optimizer halve = new Optimizer(List.of(p), 0.1) {
        @Override
        protected void update(int index, Tensor param, Tensor grad, int group) {
          seen.add(index);
          org.jdnn.tensor.OptimOps.sgd(param, grad, null, hyper(group, "lr"), 0, 0, 0, false, true);
        }

        @Override
        protected List<String> stateNames() {
          return List.of();
        }
      }) {
        halve.step();
      }
      assertEquals(List.of(0), seen);
      double[] v = p.toDoubleArray();
      assertEquals(1 - 0.1 * 0.5, v[0], 0);
      assertEquals(2 + 0.1, v[1], 0);
    }
  }
}
