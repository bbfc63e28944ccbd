package org.jdnn.optim;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * Optimizer state: saved after 3 steps, loaded into a new optimizer, 3 more steps must give the
 * parameters of an uninterrupted 6-step run bit for bit; bad state is rejected naming the entry.
 */
class OptimizerStateTest {
  private static final int STEPS = 6, SAVE_AFTER = 3;

  /** Weight (3, 4), bias (4), and a tensor first used at step 5 (so it has no state when saved). */
  private static List<Tensor> freshParams() {
    float[] w = new float[12], b = new float[4], late = new float[2];
    for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(1.3 * i + 0.2);
    for (int i = 0; i < b.length; i++) b[i] = (float) Math.cos(0.7 * i);
    late[0] = 0.25f;
    late[1] = -0.75f;
    List<Tensor> ps = new ArrayList<>();
    ps.add(Tensor.of(w, 3, 4).requiresGrad(true).keep());
    ps.add(Tensor.of(b, 4).requiresGrad(true).keep());
    ps.add(Tensor.of(late, 2).requiresGrad(true).keep());
    return ps;
  }

  /** Step t's loss: sum(p c_t) + 0.5 sum(p^2) over the parameters in use, so gradients depend on p. */
  private static void backward(List<Tensor> ps, int t) {
    try (TensorScope s = new TensorScope()) {
      Tensor loss = null;
      int used = t >= 4 ? 3 : 2;
      for (int k = 0; k < used; k++) {
        Tensor p = ps.get(k);
        float[] c = new float[(int) p.numel()];
        for (int i = 0; i < c.length; i++) c[i] = (float) Math.sin(0.9 * t + 0.31 * i + k);
        Tensor term = p.mul(Tensor.of(c, p.shape())).sum().add(p.square().sum().mul(0.5));
        loss = loss == null ? term : loss.add(term);
      }
      loss.backward();
    }
  }

  private static void runSteps(Optimizer opt, List<Tensor> ps, int from, int to) {
    for (int t = from; t < to; t++) {
      opt.zeroGrad();
      backward(ps, t);
      opt.step();
      if (t == 1) opt.setLearningRate(opt.learningRate() * 0.5); // as a schedule would, before the save
    }
  }

  /** What a checkpoint file gives back: fresh tensors and every Number as a Double, like a JSON reader. */
  private static Map<String, Tensor> copyTensors(Map<String, Tensor> in) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k, Tensor.of(v.toFloatArray(), v.shape())));
    return out;
  }

  private static Map<String, Object> asJson(Map<String, Object> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k, v instanceof Number n ? (Object) n.doubleValue() : v));
    return out;
  }

  private static void assertResumeIsBitIdentical(String what, Function<List<Tensor>, Optimizer> factory, boolean hasState) {
    try (TensorScope scope = new TensorScope()) {
      List<Tensor> straight = freshParams();
      try (Optimizer opt = factory.apply(straight)) {
        runSteps(opt, straight, 0, STEPS);
      }
      List<Tensor> resumed = freshParams();
      Map<String, Tensor> tensors;
      Map<String, Object> scalars;
      try (Optimizer first = factory.apply(resumed)) {
        runSteps(first, resumed, 0, SAVE_AFTER);
        tensors = copyTensors(first.stateTensors());
        scalars = asJson(first.stateScalars());
      }
      assertEquals(hasState, !tensors.isEmpty(), what + ": state tensors " + tensors.keySet());
      assertFalse(tensors.keySet().stream().anyMatch(k -> k.startsWith("state.2.")), "parameter 2 has no state yet");
      List<Tensor> restarted = freshParams();
      try (Optimizer first = factory.apply(restarted)) {
        runSteps(first, restarted, 0, SAVE_AFTER);
      }
      try (Optimizer second = factory.apply(resumed); Optimizer blank = factory.apply(restarted)) {
        second.loadState(tensors, scalars);
        assertEquals(scalars, asJson(second.stateScalars()), what + ": scalars survive the round trip");
        runSteps(second, resumed, SAVE_AFTER, STEPS);
        runSteps(blank, restarted, SAVE_AFTER, STEPS);
      }
      boolean anyDifference = false;
      for (int k = 0; k < straight.size(); k++) {
        assertArrayEquals(straight.get(k).toFloatArray(), resumed.get(k).toFloatArray(), what + ": parameter " + k);
        anyDifference |= !Arrays.equals(straight.get(k).toFloatArray(), restarted.get(k).toFloatArray());
      }
      assertTrue(anyDifference, what + ": a restart without the saved state must end elsewhere (guards this test)");
      for (List<Tensor> ps : List.of(straight, resumed, restarted)) for (Tensor p : ps) p.close();
    }
  }

  private static ParamGroups groups(List<Tensor> ps) {
    return ParamGroups.decayAndNoDecay(ps, 0.05);
  }

  @Test
  void sgdResumesBitIdentically() {
    assertResumeIsBitIdentical("SGD Nesterov", ps -> new SGD(groups(ps), 0.1).momentum(0.9).nesterov(true), true);
    // no momentum: no state tensors, but the lr change must still be restored
    assertResumeIsBitIdentical("SGD plain", ps -> new SGD(ps, 0.1).weightDecay(0.01), false);
  }

  @Test
  void adagradResumesBitIdentically() {
    assertResumeIsBitIdentical("AdaGrad", ps -> new AdaGrad(groups(ps), 0.1).lrDecay(0.1).initialAccumulatorValue(0.1), true);
  }

  @Test
  void rmspropResumesBitIdentically() {
    assertResumeIsBitIdentical("RMSProp", ps -> new RMSProp(groups(ps), 0.01).centered(true).momentum(0.5), true);
  }

  @Test
  void adamAndAdamwResumeBitIdentically() {
    assertResumeIsBitIdentical("Adam", ps -> new Adam(ps, 0.01).amsgrad(true).weightDecay(0.01), true);
    assertResumeIsBitIdentical("AdamW", ps -> new AdamW(groups(ps), 0.01).amsgrad(true), true);
  }

  @Test
  void stateUsesTorchNamesAndStepCounts() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = freshParams();
      try (AdamW opt = new AdamW(groups(ps), 0.01).amsgrad(true)) {
        runSteps(opt, ps, 0, 5);
        assertEquals(List.of("state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.1.exp_avg",
            "state.1.exp_avg_sq", "state.1.max_exp_avg_sq", "state.2.exp_avg", "state.2.exp_avg_sq",
            "state.2.max_exp_avg_sq"), new ArrayList<>(opt.stateTensors().keySet()));
        Map<String, Object> sc = opt.stateScalars();
        assertEquals(5L, sc.get("state.0.step"));
        assertEquals(1L, sc.get("state.2.step"));
        assertEquals(2, sc.get("groups"));
        assertEquals(1, sc.get("group.0.params"));
        assertEquals(2, sc.get("group.1.params"));
        assertEquals(0.05, sc.get("group.0.weight_decay"));
        assertEquals(0.0, sc.get("group.1.weight_decay"));
        assertEquals(0.005, sc.get("group.1.lr"));
        assertEquals(true, sc.get("group.0.amsgrad"));
        for (Object v : sc.values()) assertTrue(v instanceof Number || v instanceof Boolean, "JSON-friendly: " + v);
        Map<String, Tensor> owned = opt.stateTensors();
        opt.close();
        assertTrue(owned.values().stream().allMatch(Tensor::isClosed), "close() frees the state");
      }
      for (Tensor p : ps) p.close();
    }
  }

  /** Loading {@code good} with tensor {@code key} replaced by {@code value} must fail naming {@code key}. */
  private static void rejectTensor(Optimizer opt, Map<String, Tensor> good, Map<String, Object> scalars, String key,
      Tensor value) {
    Map<String, Tensor> t = new LinkedHashMap<>(good);
    t.put(key, value);
    assertRejected(key, () -> opt.loadState(t, scalars));
  }

  /** As {@link #rejectTensor} for a scalar entry; a null value removes it. */
  private static void rejectScalar(Optimizer opt, Map<String, Tensor> good, Map<String, Object> scalars, String key,
      Object value) {
    Map<String, Object> sc = new LinkedHashMap<>(scalars);
    if (value == null) sc.remove(key);
    else sc.put(key, value);
    assertRejected(key, () -> opt.loadState(good, sc));
  }

  @Test
  void badStateIsRejectedNamingTheEntryAndChangesNothing() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = freshParams();
      try (Adam opt = new Adam(ps, 0.01)) {
        runSteps(opt, ps, 0, 2);
        Map<String, Tensor> good = opt.stateTensors();
        Map<String, Object> scalars = opt.stateScalars();
        float[] before = opt.stateTensors().get("state.0.exp_avg").toFloatArray();
        double lrBefore = opt.learningRate();

        rejectTensor(opt, good, scalars, "state.0.exp_avg", Tensor.zeros(DType.FLOAT32, 4, 3));
        rejectTensor(opt, good, scalars, "state.1.exp_avg", Tensor.zeros(DType.FLOAT64, 4));
        rejectTensor(opt, good, scalars, "state.0.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3, 4));
        rejectTensor(opt, good, scalars, "state.7.exp_avg", Tensor.zeros(DType.FLOAT32, 4));
        rejectTensor(opt, good, scalars, "moments", Tensor.zeros(DType.FLOAT32, 4));

        rejectScalar(opt, good, scalars, "group.0.lr", null);
        rejectScalar(opt, good, scalars, "group.0.lr", -1.0);
        rejectScalar(opt, good, scalars, "group.0.beta1", 1.5);
        rejectScalar(opt, good, scalars, "group.0.amsgrad", 1);
        rejectScalar(opt, good, scalars, "group.0.momentum", 0.9);
        rejectScalar(opt, good, scalars, "groups", 2);
        rejectScalar(opt, good, scalars, "group.0.params", 2);
        rejectScalar(opt, good, scalars, "state.0.step", 2.5);

        assertArrayEquals(before, opt.stateTensors().get("state.0.exp_avg").toFloatArray(), "state unchanged");
        assertEquals(lrBefore, opt.learningRate());
        assertEquals(2, opt.steps(0));
        // loading an optimizer's own state into itself is a no-op
        opt.loadState(opt.stateTensors(), opt.stateScalars());
        assertArrayEquals(before, opt.stateTensors().get("state.0.exp_avg").toFloatArray());
      }
      for (Tensor p : ps) p.close();
    }
  }

  @Test
  void loadedHyperParametersAreCheckedTogether() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = freshParams();
      try (SGD opt = new SGD(ps, 0.1).momentum(0.9).nesterov(true)) {
        Map<String, Object> sc = new LinkedHashMap<>(opt.stateScalars());
        sc.put("group.0.momentum", 0.0);
        assertRejected("Nesterov", () -> opt.loadState(Map.of(), sc));
        assertEquals(0.9, opt.stateScalars().get("group.0.momentum"), "rolled back");
      }
      for (Tensor p : ps) p.close();
    }
  }

  @Test
  void stateMissingAPartOrItsStepCountIsRejected() {
    try (TensorScope s = new TensorScope()) {
      List<Tensor> ps = freshParams();
      try (Adam opt = new Adam(ps, 0.01); AdaGrad ada = new AdaGrad(ps, 0.1); RMSProp rms = new RMSProp(ps, 0.1)) {
        runSteps(opt, ps, 0, 2);
        Map<String, Tensor> good = opt.stateTensors();
        Map<String, Object> scalars = opt.stateScalars();
        Map<String, Tensor> noFirstMoment = new LinkedHashMap<>(good);
        noFirstMoment.remove("state.1.exp_avg");
        assertRejected("state.1.exp_avg", () -> opt.loadState(noFirstMoment, scalars));
        Map<String, Object> noStep = new LinkedHashMap<>(scalars);
        noStep.remove("state.0.step");
        assertRejected("state.0.step", () -> opt.loadState(good, noStep));
        // checkState finds the same problems and changes nothing
        assertRejected("state.1.exp_avg", () -> opt.checkState(noFirstMoment, scalars));
        opt.checkState(good, scalars);
        assertEquals(2, opt.steps(0));
        // a parameter never updated (the third) has neither state nor a step count
        assertEquals(false, good.containsKey("state.2.exp_avg") || scalars.containsKey("state.2.step"));
        Map<String, Object> adaScalars = new LinkedHashMap<>(ada.stateScalars());
        adaScalars.put("state.0.step", 1);
        assertRejected("state.0.sum", () -> ada.loadState(Map.of(), adaScalars));
        Map<String, Object> rmsScalars = new LinkedHashMap<>(rms.stateScalars());
        rmsScalars.put("state.1.step", 3);
        assertRejected("state.1.square_avg", () -> rms.loadState(Map.of(), rmsScalars));
      }
      for (Tensor p : ps) p.close();
    }
  }
}
