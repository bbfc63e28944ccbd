package org.jdnn.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.OptimOps;
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
 * refuses to step, clear gradients or save and load state (IllegalStateException). It does not own
 * the parameters: they stay the model's. Create it after the model has reached its device
 * ({@code Layer.to(device)} replaces the parameter tensors).
 *
 * <pre>{@code
 * try (Optimizer opt = new Adam(model.parameters(), 1e-3)) {
 *   for (Batch b : batches) {
 *     try (TensorScope step = new TensorScope()) {
 *       opt.zeroGrad();
 *       loss.compute(model.forward(b.inputs()), b.targets()).backward();
 *       opt.step();
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Subclasses define their hyper-parameters' defaults with {@link #setDefault(String, double)},
 * their range and combination checks in {@link #checkHyper} and {@link #checkGroupConfig}, the
 * update in {@link #update}, and their state's names in {@link #stateNames()}; saving, loading,
 * groups and step counting are done here. {@code org.jdnn.train.Trainer} drives an optimizer this
 * way and saves its state in training checkpoints; the schedules of
 * {@code org.jdnn.optim.schedule} change its learning rates.
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
  private boolean fused = true;
  // Guarded steps (GradScaler) count updates on the device, in deviceSteps (int64, one element per
  // parameter); while stepsOnDevice, those counts are the true ones and `steps` is refreshed from
  // them when read. guard: the flag of the guarded step in progress, else null.
  private Tensor deviceSteps;
  private boolean stepsOnDevice;
  private Tensor guard;

  /**
   * An optimizer over one group holding {@code params}.
   *
   * @param params the tensors to update, each requiring gradients and listed once; their order
   *     numbers the state
   * @param lr the learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code params} is null or empty, a parameter does not
   *     require gradients or appears twice, or {@code lr} is negative, infinite or NaN
   */
  protected Optimizer(List<Tensor> params, double lr) {
    this(singleGroup(params), lr);
  }

  /**
   * An optimizer over parameter groups, each of which may override the learning rate and weight
   * decay.
   *
   * @param groups the groups in order; parameters are numbered across them in that order
   * @param lr the default learning rate for groups that set none, finite and at least 0
   * @throws IllegalArgumentException when {@code groups} is null, a parameter does not require
   *     gradients or appears twice (in one group or across groups), or {@code lr} is negative,
   *     infinite or NaN
   */
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

  /**
   * The first group's learning rate (the only one without parameter groups).
   *
   * @return group 0's learning rate: its override, else the optimizer's default
   */
  public double learningRate() {
    return learningRate(0);
  }

  /**
   * A group's current learning rate.
   *
   * @param group the group's index, in [0, {@link #groupCount()})
   * @return the group's learning rate: its override, else the optimizer's default
   * @throws IllegalArgumentException when {@code group} is out of range
   */
  public double learningRate(int group) {
    return hyper(group, "lr");
  }

  /**
   * Sets every group's learning rate, as a schedule does; it becomes each group's own value.
   *
   * @param value the new learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public void setLearningRate(double value) {
    checkHyper("lr", value);
    for (int g = 0; g < groupCount(); g++) groupOverrides.get(g).put("lr", value);
  }

  /**
   * Sets one group's learning rate.
   *
   * @param group the group's index, in [0, {@link #groupCount()})
   * @param value the new learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code group} is out of range or {@code value} is
   *     negative, infinite or NaN
   */
  public void setLearningRate(int group, double value) {
    checkHyper("lr", value);
    groupOverrides.get(checkGroup(group)).put("lr", value);
  }

  /**
   * A group's weight decay (named apart from the fluent weightDecay(double) setters of subclasses).
   *
   * @param group the group's index, in [0, {@link #groupCount()})
   * @return the group's weight decay: its override, else the optimizer's default
   * @throws IllegalArgumentException when {@code group} is out of range
   */
  public double groupWeightDecay(int group) {
    return hyper(group, "weight_decay");
  }

  /**
   * Sets one group's weight decay, as a regularization schedule does; it becomes the group's own
   * value.
   *
   * @param group the group's index, in [0, {@link #groupCount()})
   * @param value the new weight decay, finite and at least 0
   * @throws IllegalArgumentException when {@code group} is out of range or {@code value} is
   *     negative, infinite or NaN
   */
  public void setGroupWeightDecay(int group, double value) {
    checkHyper("weight_decay", value);
    groupOverrides.get(checkGroup(group)).put("weight_decay", value);
  }

  /**
   * The number of parameter groups.
   *
   * @return at least 1 (a plain parameter list makes one group)
   */
  public int groupCount() {
    return groupOverrides.size();
  }

  /**
   * The parameters in index order (the numbering of {@link #stateTensors()}).
   *
   * @return an unmodifiable view; the tensors belong to the model, not to this list or the
   *     optimizer
   */
  public List<Tensor> parameters() {
    return Collections.unmodifiableList(params);
  }

  /**
   * A group's value of a numeric hyper-parameter (its override, else the default).
   *
   * @param group the group's index
   * @param name the hyper-parameter's torch name, e.g. "lr" or "momentum"
   * @return its value for the group
   * @throws IllegalArgumentException when {@code group} is out of range
   * @throws IllegalStateException when no default of that name was defined
   */
  protected final double hyper(int group, String name) {
    return ((Number) lookup(group, name)).doubleValue();
  }

  /**
   * A group's value of a Boolean hyper-parameter (its override, else the default).
   *
   * @param group the group's index
   * @param name the hyper-parameter's torch name, e.g. "nesterov" or "amsgrad"
   * @return its value for the group
   * @throws IllegalArgumentException when {@code group} is out of range
   * @throws IllegalStateException when no default of that name was defined
   */
  protected final boolean flag(int group, String name) {
    return (Boolean) lookup(group, name);
  }

  private Object lookup(int group, String name) {
    Object v = groupOverrides.get(checkGroup(group)).get(name);
    if (v == null) v = defaults.get(name);
    if (v == null) throw new IllegalStateException(name() + " has no hyper-parameter '" + name + "'");
    return v;
  }

  /**
   * Validates and sets an optimizer-wide default, then re-checks every group's combination. Groups
   * that hold their own value of {@code name} keep it.
   *
   * @param name the hyper-parameter's torch name
   * @param value its new default
   * @throws IllegalArgumentException when {@link #checkHyper} refuses the value or a group's
   *     combination becomes invalid ({@link #checkGroupConfig}); the value is then already stored
   */
  protected final void setDefault(String name, double value) {
    checkHyper(name, value);
    defaults.put(name, value);
    for (int g = 0; g < groupOverrides.size(); g++) checkGroupConfig(g);
  }

  /**
   * Sets an optimizer-wide Boolean default, then re-checks every group's combination. Groups that
   * hold their own value of {@code name} keep it.
   *
   * @param name the hyper-parameter's torch name
   * @param value its new default
   * @throws IllegalArgumentException when a group's combination becomes invalid
   *     ({@link #checkGroupConfig}); the value is then already stored
   */
  protected final void setDefault(String name, boolean value) {
    defaults.put(name, value);
    for (int g = 0; g < groupOverrides.size(); g++) checkGroupConfig(g);
  }

  /**
   * Range check of one numeric hyper-parameter, run before a value is stored by a setter, a
   * {@link ParamGroup} or {@link #loadState}. This default accepts finite values &gt;= 0;
   * subclasses narrow it (and call it).
   *
   * @param name the hyper-parameter's torch name
   * @param value the candidate value
   * @throws IllegalArgumentException when the value is out of range, naming the optimizer, the
   *     hyper-parameter and the value
   */
  protected void checkHyper(String name, double value) {
    checkNonNegative(name(), name, value);
  }

  /**
   * Checks that a group's hyper-parameters make sense together (e.g. Nesterov needs momentum).
   * Also called while the constructor defines the defaults, when some are still missing. Does
   * nothing by default.
   *
   * @param group the group's index
   * @throws IllegalArgumentException when the combination is invalid, naming the values
   */
  protected void checkGroupConfig(int group) {}

  private int checkGroup(int group) {
    if (group < 0 || group >= groupOverrides.size()) {
      throw new IllegalArgumentException(name() + ": group index must be in [0, " + groupOverrides.size()
          + "), got " + group);
    }
    return group;
  }

  // ---- stepping ------------------------------------------------------------------------------------

  /**
   * Clears every parameter's gradient: closes it and sets it to none, so a parameter that the
   * next backward does not reach is skipped by {@link #step()}.
   *
   * @throws IllegalStateException when the optimizer is closed
   */
  public void zeroGrad() {
    checkOpen();
    // Frees the gradients (torch's default set_to_none=True): the next backward writes fresh ones
    // without first filling zeros and then adding onto them.
    for (Tensor p : params) p.clearGrad();
  }

  /**
   * Applies one update, in place, to every parameter that has a gradient, and counts it in
   * {@link #steps(int)}; parameters without one are left alone. State tensors are created on a
   * parameter's first update.
   *
   * @throws IllegalStateException when the optimizer is closed, or a parameter is closed (its
   *     model was closed or moved with {@code Layer.to(device)} after the optimizer was created)
   */
  public void step() {
    checkOpen();
    stepsToHost();
    checkParamsOpen();
    countedByReplays();
    for (int group = 0; group < groupCount(); group++) {
      for (List<Integer> part : parts(group, true).values()) {
        int[] indices = part.stream().mapToInt(Integer::intValue).toArray();
        if (fused) {
          updateGroup(group, indices);
        } else {
          for (int i : indices) update(i, params.get(i), params.get(i).grad(), group);
        }
      }
    }
  }

  /**
   * Loss scaling's step (GradScaler.step calls it): the update {@link #step()} makes, unless
   * {@code foundInf} (a float32 one-element tensor on the parameters' device) is not 0, decided on
   * the device without reading the flag back. The optimizers of this package then count their
   * updates on the device (see {@link #steps(int)}); an optimizer that implements only {@link
   * #update}, and the per-tensor path, read the flag on the host and step or not.
   */
  void step(Tensor foundInf) {
    checkOpen();
    checkParamsOpen();
    Device device = foundInf.device();
    if (CudaGraph.isCapturing(device)) {
      throw new IllegalStateException(name() + ": a loss-scaled step cannot be captured in a CUDA graph (the graph"
          + " would count its steps on the host); train without cudaGraphs under float16");
    }
    if (!fused || !guardsOnDevice()) {
      if (foundInf.item() == 0) step();
      return;
    }
    stepsToDevice(device);
    guard = foundInf;
    try {
      for (int group = 0; group < groupCount(); group++) {
        for (Map.Entry<String, List<Integer>> part : parts(group, false).entrySet()) {
          int[] indices = part.getValue().stream().mapToInt(Integer::intValue).toArray();
          Tensor first = params.get(indices[0]);
          if (first.device() != device) {
            throw new IllegalArgumentException(name() + ": parameter " + indices[0] + " " + first.describe()
                + " is not on the device of the loss scaler (" + device + "); scale the loss on the model's device");
          }
          updateGroup(group, indices);
        }
      }
    } finally {
      guard = null;
    }
  }

  /**
   * Whether {@link #updateGroup} passes {@link #guardOf} to its native call, so loss-scaled steps are
   * decided on the device; the optimizers of this package do.
   */
  boolean guardsOnDevice() {
    return false;
  }

  /** The guard of the loss-scaled step in progress for parameters {@code indices}, else null. */
  final OptimOps.StepGuard guardOf(int[] indices) {
    if (guard == null) return null;
    long[] slots = new long[indices.length];
    for (int k = 0; k < indices.length; k++) slots[k] = indices[k];
    return new OptimOps.StepGuard(guard, deviceSteps, slots);
  }

  // The group's parameters with a gradient, split by device and dtype: one native call each;
  // `count` adds this update to the host's step counts.
  private Map<String, List<Integer>> parts(int group, boolean count) {
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (groupOf[i] != group || p.grad() == null) continue;
      if (count) steps[i]++;
      parts.computeIfAbsent(p.device() + "/" + p.dtype(), k -> new ArrayList<>()).add(i);
    }
    return parts;
  }

  // The counts move to the device before a guarded step (uploaded when the host's are the true ones).
  private void stepsToDevice(Device device) {
    if (stepsOnDevice && deviceSteps.device() == device) return;
    stepsToHost();
    if (deviceSteps != null) deviceSteps.close();
    deviceSteps = null;
    Tensor host = Tensor.ofLongs(steps.clone(), steps.length).keep();
    try {
      deviceSteps = device == Device.cpu() ? host : host.to(device).keep();
    } finally {
      if (deviceSteps != host) host.close();
    }
    stepsOnDevice = true;
  }

  // The device's counts become the host's again (a read that waits for the device).
  private void stepsToHost() {
    refreshSteps();
    stepsOnDevice = false;
  }

  private void refreshSteps() {
    if (!stepsOnDevice) return;
    long[] counted = deviceSteps.toLongArray();
    System.arraycopy(counted, 0, steps, 0, steps.length);
  }

  private void checkParamsOpen() {
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (p.isClosed()) {
        throw new IllegalStateException(getClass().getSimpleName() + ": parameter " + i + " (" + p.describe()
            + ") is closed; if its model was moved with Layer.to(device), create the optimizer after moving it");
      }
    }
  }

  // Inside a CUDA graph capture: each replay then counts its step here (CudaGraph.replay), and a
  // replay after eager steps gives the graph's per-step constants the count it finds. Counted by the
  // first parameter with a gradient: a step updates every such parameter.
  private void countedByReplays() {
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (p.grad() == null) continue;
      if (!CudaGraph.isCapturing(p.device())) return;
      final int counted = i;
      CudaGraph.countedByReplays(p.device(), new CudaGraph.StepCounter() {
        @Override
        public long steps() {
          return Optimizer.this.steps(counted);  // refreshed from the device after loss-scaled steps
        }

        @Override
        public void countStep() {
          Optimizer.this.countStep();
        }
      });
      return;
    }
  }

  /**
   * Counts one update made outside {@link #step()}, for every parameter that has a gradient: a
   * replay of a captured training step ({@link CudaGraph#replay()} calls it) updates the parameters
   * on the device without running this object's code, so {@link #steps(int)} stays true.
   *
   * @throws IllegalStateException when the optimizer is closed
   */
  public void countStep() {
    checkOpen();
    stepsToHost();
    for (int i = 0; i < params.size(); i++) {
      if (params.get(i).grad() != null) steps[i]++;
    }
  }

  /**
   * Updates parameters {@code indices} of one group in place, all of one device and dtype and each
   * with a gradient; {@link #steps(int)} already counts this update. The optimizers of this package
   * do it in one native call (one kernel launch on CUDA) whose results equal {@link #update}'s bit
   * for bit; this default calls {@link #update} for each parameter, so a subclass that implements
   * only {@link #update} keeps working.
   *
   * @param group the index of the group, for {@link #hyper} and {@link #flag}
   * @param indices the parameters' indices, in increasing order, at least one
   */
  protected void updateGroup(int group, int[] indices) {
    for (int i : indices) update(i, params.get(i), params.get(i).grad(), group);
  }

  /** The parameters of {@code indices}, for {@link #updateGroup}. */
  final Tensor[] paramsOf(int[] indices) {
    Tensor[] out = new Tensor[indices.length];
    for (int k = 0; k < indices.length; k++) out[k] = params.get(indices[k]);
    return out;
  }

  /** Their gradients, for {@link #updateGroup}. */
  final Tensor[] gradsOf(int[] indices) {
    Tensor[] out = new Tensor[indices.length];
    for (int k = 0; k < indices.length; k++) out[k] = params.get(indices[k]).grad();
    return out;
  }

  /** Their step counts, for {@link #updateGroup}. */
  final long[] stepsOf(int[] indices) {
    long[] out = new long[indices.length];
    for (int k = 0; k < indices.length; k++) out[k] = steps[indices[k]];
    return out;
  }

  /** State {@code name} of each of {@code indices}, created on first use as {@link #state} does. */
  final Tensor[] statesOf(int[] indices, String name, double init) {
    Tensor[] out = new Tensor[indices.length];
    for (int k = 0; k < indices.length; k++) out[k] = state(indices[k], name, init);
    return out;
  }

  /**
   * Whether {@link #step()} updates each group in one call ({@link #updateGroup}, the default) or
   * parameter by parameter ({@link #update}); the per-tensor path is the reference the tests compare
   * the group path with, bit for bit.
   */
  void setFused(boolean value) {
    fused = value;
  }

  /**
   * Updates parameter {@code index} in place; {@link #steps(int)} already counts this update (1 on
   * the first), as torch.optim's per-parameter "step".
   *
   * @param index the parameter's index (names its state)
   * @param param the parameter, to change in place
   * @param grad its gradient, same shape, dtype and device; read only
   * @param group the index of the parameter's group, for {@link #hyper} and {@link #flag}
   */
  protected abstract void update(int index, Tensor param, Tensor grad, int group);

  /**
   * Updates applied to parameter {@code index} so far. After loss-scaled steps (GradScaler) the
   * counts live on the device, where skipped steps are not counted; reading one then waits for the
   * device.
   *
   * @param index the parameter's index, in [0, parameters().size())
   * @return the count, 0 before its first update
   * @throws ArrayIndexOutOfBoundsException when {@code index} is out of range
   */
  public long steps(int index) {
    refreshSteps();
    return steps[index];
  }

  /**
   * Updates applied to {@code param} so far.
   *
   * @param param a parameter, compared by identity
   * @return the count; 0 before its first update and for a tensor this optimizer does not update
   */
  public long steps(Tensor param) {
    refreshSteps();
    for (int i = 0; i < params.size(); i++) if (params.get(i) == param) return steps[i];
    return 0;
  }

  /**
   * Parameter {@code index}'s state tensor {@code name}, created on first use.
   *
   * @param index the parameter's index
   * @param name the state's torch name; must be one of {@link #stateNames()} for saving to work
   * @param init the value every element starts from when the tensor is created
   * @return the state tensor, of the parameter's shape, dtype and device; owned by this optimizer
   *     (outside every scope), freed by {@link #close()}
   */
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

  /**
   * The state tensor if it exists (it is created by {@link #state}).
   *
   * @param index the parameter's index
   * @param name the state's torch name
   * @return the tensor, owned by this optimizer, or null when it has not been created
   */
  protected final Tensor existingState(int index, String name) {
    return state.get(index).get(name);
  }

  // ---- saving and restoring ----------------------------------------------------------------------

  /**
   * Every state tensor, named "state.&lt;paramIndex&gt;.&lt;name&gt;" with torch's names (exp_avg,
   * exp_avg_sq, max_exp_avg_sq, momentum_buffer, sum, square_avg, grad_avg). The tensors stay
   * owned by this optimizer: read them, do not close them.
   *
   * @return a new map, in parameter order; a parameter appears once updated (empty before the first step)
   * @throws IllegalStateException when the optimizer is closed
   */
  public Map<String, Tensor> stateTensors() {
    checkOpen();
    refreshSteps();
    return OptimizerState.tensors(this);
  }

  /**
   * The rest of the state, JSON-friendly (Numbers and Booleans): "groups" (count),
   * "group.&lt;g&gt;.params" (count), every hyper-parameter as "group.&lt;g&gt;.&lt;name&gt;", and
   * "state.&lt;paramIndex&gt;.step" for parameters updated at least once.
   *
   * @return a new map of Integer, Long, Double and Boolean values
   * @throws IllegalStateException when the optimizer is closed
   */
  public Map<String, Object> stateScalars() {
    checkOpen();
    refreshSteps();
    return OptimizerState.scalars(this);
  }

  /**
   * Restores state saved by an optimizer of the same class over parameters of the same shapes,
   * dtypes and grouping: copies the tensors in (bit for bit), sets every group's hyper-parameters
   * and step counts. Checks everything before changing anything; a mismatch throws
   * IllegalArgumentException naming the entry. Afterwards each group holds all its
   * hyper-parameters as its own values, so later changes to the defaults no longer reach it.
   *
   * @param tensors what {@link #stateTensors()} returned; copied, not taken: the caller keeps
   *     ownership (they may be this optimizer's own state tensors)
   * @param scalars what {@link #stateScalars()} returned, possibly through JSON (any Number type
   *     is accepted where the value is whole)
   * @throws IllegalArgumentException when an entry is unknown, missing, of the wrong type, shape
   *     or dtype, closed, or out of range, or the groups do not match; nothing has changed then
   * @throws IllegalStateException when the optimizer is closed
   */
  public void loadState(Map<String, Tensor> tensors, Map<String, Object> scalars) {
    checkOpen();
    OptimizerState.load(this, tensors, scalars);
    stepsOnDevice = false;  // the loaded counts are the host's
  }

  /**
   * Checks what {@link #loadState} checks, without changing anything: throws the same
   * IllegalArgumentException that loadState would, so a caller restoring several objects can
   * validate them all before changing any.
   *
   * @param tensors state tensors as {@link #stateTensors()} names them
   * @param scalars scalars as {@link #stateScalars()} names them
   * @throws IllegalArgumentException when {@link #loadState} would refuse them
   * @throws IllegalStateException when the optimizer is closed
   */
  public void checkState(Map<String, Tensor> tensors, Map<String, Object> scalars) {
    checkOpen();
    OptimizerState.check(this, tensors, scalars);
  }

  /**
   * Names of the state tensors this optimizer may keep per parameter (for validating loads).
   *
   * @return torch's names, e.g. "exp_avg"; a loaded state with any other name is refused
   */
  protected abstract List<String> stateNames();

  /**
   * Names of the state tensors every update of a parameter keeps, whatever the configuration.
   *
   * @return names a loaded state must have for each parameter with a step count above 0; none by
   *     default
   */
  protected List<String> requiredStateNames() {

    return List.of();
  }

  /** Frees the state tensors; the optimizer cannot be used afterwards. Closing twice does nothing. */
  @Override
  public void close() {
    freeState();
    if (deviceSteps != null) deviceSteps.close();
    deviceSteps = null;
    stepsOnDevice = false;
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
