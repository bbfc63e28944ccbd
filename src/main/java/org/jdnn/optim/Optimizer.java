package org.jdnn.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * Updates parameters from their accumulated gradients, with torch.optim's semantics. Call {@link
 * #zeroGrad()} before each backward pass and {@link #step()} after it. Parameters without a
 * gradient are skipped and their state left alone, as in torch.optim.
 *
 * <p>Parameters live in {@link ParamGroup}s; every hyper-parameter (named as in torch: "lr",
 * "weight_decay", "momentum", ...) has an optimizer-wide default that a group may override
 * (lr and weight decay through {@link ParamGroup}, any of them through {@link #loadState}).
 * Parameters are numbered across groups in order; that index names their state.
 *
 * <p>The optimizer owns its state tensors and frees them in {@link #close()}; a closed optimizer
 * refuses to step, clear gradients or save and load state (IllegalStateException).
 */
public abstract class Optimizer implements AutoCloseable {
  final List<Tensor> params = new ArrayList<>();
  /** groupOf[i]: the group of parameter i. */
  final int[] groupOf;
  final List<Map<String, Object>> groupOverrides = new ArrayList<>();
  final Map<String, Object> defaults = new LinkedHashMap<>();
  final List<Map<String, Tensor>> state = new ArrayList<>();
  final long[] steps;
  private boolean closed;

  protected Optimizer(List<Tensor> params, double lr) {
    this(singleGroup(params), lr);
  }

  protected Optimizer(ParamGroups groups, double lr) {
    if (groups == null) throw new IllegalArgumentException(name() + ": no parameters to optimize");
    setDefault("lr", lr);
    setDefault("weight_decay", 0.0);
    Map<Tensor, Boolean> seen = new IdentityHashMap<>();
    List<Integer> owner = new ArrayList<>();
    for (ParamGroup g : groups) {
      Map<String, Object> overrides = new LinkedHashMap<>();
      if (g.lr != null) overrides.put("lr", g.lr);
      if (g.weightDecay != null) overrides.put("weight_decay", g.weightDecay);
      for (Tensor p : g.params) {
        if (!p.requiresGrad()) {
          throw new IllegalArgumentException(name() + ": parameter " + p.describe() + " does not require gradients");
        }
        if (seen.put(p, Boolean.TRUE) != null) {
          throw new IllegalArgumentException(name() + ": parameter " + p.describe() + " appears more than once");
        }
        params.add(p);
        owner.add(groupOverrides.size());
        state.add(new LinkedHashMap<>());
      }
      groupOverrides.add(overrides);
    }
    groupOf = owner.stream().mapToInt(Integer::intValue).toArray();
    steps = new long[params.size()];
  }

  // null for none, so the main constructor's message can name the optimizer
  private static ParamGroups singleGroup(List<Tensor> params) {
    return params == null || params.isEmpty() ? null : ParamGroups.of(ParamGroup.of(params));
  }

  // ---- learning rates and hyper-parameters ------------------------------------------------------

  /** The first group's learning rate (the only one without parameter groups). */
  public double learningRate() {
    return learningRate(0);
  }

  public double learningRate(int group) {
    return hyper(group, "lr");
  }

  /** Sets every group's learning rate, as a schedule does. */
  public void setLearningRate(double value) {
    checkHyper("lr", value);
    for (int g = 0; g < groupCount(); g++) groupOverrides.get(g).put("lr", value);
  }

  public void setLearningRate(int group, double value) {
    checkHyper("lr", value);
    groupOverrides.get(checkGroup(group)).put("lr", value);
  }

  /** A group's weight decay (named apart from the fluent weightDecay(double) setters of subclasses). */
  public double groupWeightDecay(int group) {
    return hyper(group, "weight_decay");
  }

  public int groupCount() {
    return groupOverrides.size();
  }

  /** The parameters in index order (the numbering of {@link #stateTensors()}). */
  public List<Tensor> parameters() {
    return Collections.unmodifiableList(params);
  }

  /** A group's value of a numeric hyper-parameter (its override, else the default). */
  protected final double hyper(int group, String name) {
    return ((Number) lookup(group, name)).doubleValue();
  }

  protected final boolean flag(int group, String name) {
    return (Boolean) lookup(group, name);
  }

  private Object lookup(int group, String name) {
    Object v = groupOverrides.get(checkGroup(group)).get(name);
    if (v == null) v = defaults.get(name);
    if (v == null) throw new IllegalStateException(name() + " has no hyper-parameter '" + name + "'");
    return v;
  }

  /** Validates and sets an optimizer-wide default, then re-checks every group's combination. */
  protected final void setDefault(String name, double value) {
    checkHyper(name, value);
    defaults.put(name, value);
    for (int g = 0; g < groupOverrides.size(); g++) checkGroupConfig(g);
  }

  protected final void setDefault(String name, boolean value) {
    defaults.put(name, value);
    for (int g = 0; g < groupOverrides.size(); g++) checkGroupConfig(g);
  }

  /** Range check of one numeric hyper-parameter; the default accepts finite values >= 0. */
  protected void checkHyper(String name, double value) {
    checkNonNegative(name(), name, value);
  }

  /** Checks that a group's hyper-parameters make sense together (e.g. Nesterov needs momentum). */
  protected void checkGroupConfig(int group) {}

  private int checkGroup(int group) {
    if (group < 0 || group >= groupOverrides.size()) {
      throw new IllegalArgumentException(name() + ": group index must be in [0, " + groupOverrides.size()
          + "), got " + group);
    }
    return group;
  }

  // ---- stepping ------------------------------------------------------------------------------------

  /** Clears every parameter's gradient (to none: a parameter no backward reaches is then skipped by step). */
  public void zeroGrad() {
    checkOpen();
    // Frees the gradients (torch's default set_to_none=True): the next backward writes fresh ones
    // without first filling zeros and then adding onto them.
    for (Tensor p : params) p.clearGrad();
  }

  /** Applies one update to every parameter that has a gradient. */
  public void step() {
    checkOpen();
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (p.isClosed()) {
        throw new IllegalStateException(getClass().getSimpleName() + ": parameter " + i + " (" + p.describe()
            + ") is closed; if its model was moved with Layer.to(device), create the optimizer after moving it");
      }
      Tensor g = p.grad();
      if (g != null) {
        steps[i]++;
        update(i, p, g, groupOf[i]);
      }
    }
  }

  /**
   * Updates parameter {@code index}; {@link #steps(int)} already counts this update (1 on the
   * first), as torch.optim's per-parameter "step".
   */
  protected abstract void update(int index, Tensor param, Tensor grad, int group);

  /** Updates applied to parameter {@code index} so far. */
  public long steps(int index) {
    return steps[index];
  }

  /** Updates applied to {@code param} so far (0 for a tensor this optimizer does not own). */
  public long steps(Tensor param) {
    for (int i = 0; i < params.size(); i++) if (params.get(i) == param) return steps[i];
    return 0;
  }

  /** Parameter {@code index}'s state tensor {@code name}, created filled with {@code init} on first use. */
  protected final Tensor state(int index, String name, double init) {
    Tensor s = state.get(index).get(name);
    if (s == null) {
      Tensor p = params.get(index);
      s = Tensor.empty(p.dtype(), p.device(), p.shape()).keep();
      MemoryOps.fill(s, init);
      state.get(index).put(name, s);
    }
    return s;
  }

  /** The state tensor if it exists, else null (it is created by {@link #state}). */
  protected final Tensor existingState(int index, String name) {
    return state.get(index).get(name);
  }

  // ---- saving and restoring ----------------------------------------------------------------------

  /**
   * Every state tensor, named "state.&lt;paramIndex&gt;.&lt;name&gt;" with torch's names (exp_avg,
   * exp_avg_sq, max_exp_avg_sq, momentum_buffer, sum, square_avg, grad_avg). The tensors stay
   * owned by this optimizer: read them, do not close them.
   */
  public Map<String, Tensor> stateTensors() {
    checkOpen();
    return OptimizerState.tensors(this);
  }

  /**
   * The rest of the state, JSON-friendly (Numbers and Booleans): "groups" (count),
   * "group.&lt;g&gt;.params" (count), every hyper-parameter as "group.&lt;g&gt;.&lt;name&gt;", and
   * "state.&lt;paramIndex&gt;.step" for parameters updated at least once.
   */
  public Map<String, Object> stateScalars() {
    checkOpen();
    return OptimizerState.scalars(this);
  }

  /**
   * Restores state saved by an optimizer of the same class over parameters of the same shapes,
   * dtypes and grouping: copies the tensors in (bit for bit), sets every group's hyper-parameters
   * and step counts. Checks everything before changing anything; a mismatch throws
   * IllegalArgumentException naming the entry. Afterwards each group holds all its
   * hyper-parameters as its own values, so later changes to the defaults no longer reach it.
   */
  public void loadState(Map<String, Tensor> tensors, Map<String, Object> scalars) {
    checkOpen();
    OptimizerState.load(this, tensors, scalars);
  }

  /**
   * Checks what {@link #loadState} checks, without changing anything: throws the same
   * IllegalArgumentException that loadState would, so a caller restoring several objects can
   * validate them all before changing any.
   */
  public void checkState(Map<String, Tensor> tensors, Map<String, Object> scalars) {
    checkOpen();
    OptimizerState.check(this, tensors, scalars);
  }

  /** Names of the state tensors this optimizer may keep per parameter (for validating loads). */
  protected abstract List<String> stateNames();

  /** Names of the state tensors every update of a parameter keeps (a loaded state must have them); none by default. */
  protected List<String> requiredStateNames() {
    return List.of();
  }

  /** Frees the state tensors; the optimizer cannot be used afterwards. Closing twice does nothing. */
  @Override
  public void close() {
    freeState();
    closed = true;
  }

  void freeState() {
    for (Map<String, Tensor> s : state) {
      for (Tensor t : s.values()) t.close();
      s.clear();
    }
  }

  // Stepping a closed optimizer would silently rebuild its state from zero (and never free it).
  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(name() + " is closed: close() freed its state; create a new optimizer to keep training");
    }
  }

  String name() {
    return getClass().getSimpleName();
  }

  static void checkNonNegative(String owner, String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(owner + ": " + what + " must be a finite number >= 0, got " + v);
    }
  }
}
