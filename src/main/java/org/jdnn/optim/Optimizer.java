package org.jdnn.optim;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.Tensor;

/**
 * Updates parameters from their accumulated gradients. Call {@link #zeroGrad()} before each
 * backward pass and {@link #step()} after it. Parameters without a gradient are skipped, as in
 * torch.optim. The optimizer owns its state tensors (momentum, moments) and frees them on close.
 */
public abstract class Optimizer implements AutoCloseable {
  protected final List<Tensor> params;
  private final Map<Tensor, Tensor[]> state = new IdentityHashMap<>();
  protected double lr;

  protected Optimizer(List<Tensor> params, double lr) {
    if (params == null || params.isEmpty()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
    }
    checkNonNegative("learning rate", lr);
    for (Tensor p : params) {
      if (!p.requiresGrad()) {
        throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + p.describe()
            + " does not require gradients");
      }
    }
    this.params = new ArrayList<>(params);
    this.lr = lr;
  }

  public double learningRate() {
    return lr;
  }

  public void setLearningRate(double value) {
    checkNonNegative("learning rate", value);
    lr = value;
  }

  /** Zeroes every parameter's gradient. */
  public void zeroGrad() {
    for (Tensor p : params) p.zeroGrad();
  }

  /** Applies one update to every parameter that has a gradient. */
  public void step() {
    beforeStep();
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g != null) update(p, g);
    }
  }

  protected void beforeStep() {}

  protected abstract void update(Tensor param, Tensor grad);

  /** State tensors of {@code p} (created zero-filled on first use, owned by the optimizer). */
  protected Tensor[] state(Tensor p, int count) {
    Tensor[] s = state.get(p);
    if (s == null) {
      s = new Tensor[count];
      for (int i = 0; i < count; i++) s[i] = Tensor.zeros(p.dtype(), p.shape()).keep();
      state.put(p, s);
    }
    return s;
  }

  protected boolean hasState(Tensor p) {
    return state.containsKey(p);
  }

  // ---- State save/restore. Minimal stand-in for the optim branch's contract (stateTensors,
  // stateScalars, loadState), added by the train branch so checkpoints can be tested; the optim
  // branch's implementation supersedes this block on merge. ----

  /** Names of the per-parameter state tensors, in the order {@link #state(Tensor, int)} creates them. */
  protected String[] stateNames() {
    return new String[0];
  }

  /** Per-parameter scalar state (step counts) of parameter {@code index}, added to {@code out}. */
  protected void saveScalars(int index, Tensor param, Map<String, Object> out) {}

  protected void loadScalars(int index, Tensor param, Map<String, Object> in) {}

  /** State tensors named "state.&lt;paramIndex&gt;.&lt;name&gt;", owned by the optimizer. */
  public Map<String, Tensor> stateTensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    String[] names = stateNames();
    for (int i = 0; i < params.size(); i++) {
      Tensor[] s = state.get(params.get(i));
      if (s != null) for (int j = 0; j < names.length; j++) out.put("state." + i + "." + names[j], s[j]);
    }
    return out;
  }

  /** JSON-friendly scalars: the learning rate and per-parameter step counts. */
  public Map<String, Object> stateScalars() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lr", lr);
    for (int i = 0; i < params.size(); i++) saveScalars(i, params.get(i), out);
    return out;
  }

  /** Restores what {@link #stateTensors()} and {@link #stateScalars()} returned (tensors are copied). */
  public void loadState(Map<String, Tensor> tensors, Map<String, Object> scalars) {
    String[] names = stateNames();
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (names.length == 0 || !tensors.containsKey("state." + i + "." + names[0])) continue;
      Tensor[] s = state(p, names.length);
      for (int j = 0; j < names.length; j++) {
        Tensor src = tensors.get("state." + i + "." + names[j]);
        if (src == null || !java.util.Arrays.equals(src.shape(), p.shape())) {
          throw new IllegalArgumentException(getClass().getSimpleName() + ": state." + i + "." + names[j] + " must have shape "
              + java.util.Arrays.toString(p.shape()) + ", got " + (src == null ? "none" : src.describe()));
        }
        org.jdnn.tensor.Updates.copy(src, s[j]);
      }
    }
    if (scalars.get("lr") instanceof Number) setLearningRate(((Number) scalars.get("lr")).doubleValue());
    for (int i = 0; i < params.size(); i++) loadScalars(i, params.get(i), scalars);
  }

  @Override
  public void close() {
    for (Tensor[] s : state.values()) for (Tensor t : s) t.close();
    state.clear();
  }

  protected void checkNonNegative(String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be a finite number >= 0, got " + v);
    }
  }
}
