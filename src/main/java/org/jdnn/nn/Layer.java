package org.jdnn.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * A building block of a network: a function of one tensor with named, trainable parameters,
 * buffers and child layers. A whole model is a Layer too.
 *
 * <p><b>Parameters.</b> A subclass creates its parameters in its constructor and registers them
 * with {@link #registerParameter}; registration marks them as requiring gradients and takes them
 * out of any open {@link org.jdnn.tensor.TensorScope}: a layer owns its parameters and buffers and
 * frees them in {@link #close()}. Names are dotted paths through the children ("0.weight", "2.bias"),
 * the same names PyTorch's state_dict uses for the equivalent model, so weight files line up.
 *
 * <p><b>Modes.</b> Layers start in training mode; {@link #eval()} switches the whole tree to
 * inference behaviour (for layers whose behaviour differs, such as dropout and batch norm).
 *
 * <p><b>Threads.</b> A layer in eval mode may serve {@link #forward} from many threads at once,
 * each with gradient recording off ({@link org.jdnn.tensor.GradMode}); training is single-threaded.
 * Hooks then run on each calling thread, concurrently, so a hook shared by such calls must be
 * thread-safe; registering and removing hooks while calls run is safe.
 *
 * <pre>{@code
 * final class Scale extends Layer {            // y = a x, one trainable scalar
 *   Scale() { registerParameter("a", Tensor.scalar(1.0)); }
 *   public Tensor forward(Tensor x) { return x.mul(parameter("a")); }
 * }

 * }</pre>
 *
 * <p><b>Running a layer: {@code call}, not {@code forward}.</b> A subclass implements
 * {@link #forward}; code that runs a layer (a container running its children, the Trainer, a
 * model file's predict, a user's loop) calls {@link #call}, which runs the layer's hooks around
 * {@code forward}: forward pre-hooks ({@link #registerForwardPreHook}), forward hooks
 * ({@link #registerForwardHook}) and backward hooks ({@link #registerBackwardHook}), PyTorch's
 * {@code Module.__call__} and its hooks. A layer without hooks costs one field read more than
 * {@code forward} and allocates nothing. Calling {@code forward} directly skips this layer's own
 * hooks (a container's forward still calls its children through {@code call}). A container
 * written outside org.jdnn.nn should run its children with {@code child.call(x)} for the same
 * reason. Hooks run only in Java: a training step replayed from a CUDA graph
 * ({@code Trainer.cudaGraphs}) would skip them, so such a fit refuses a model with hooks.
 *
 * <p>A layer type that model files can rebuild also declares a {@link LayerType} (its saved
 * settings and parameter shapes) and is listed in {@code org.jdnn.io.LayerRegistry}.
 */
public abstract class Layer implements AutoCloseable {
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Layer> children = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private boolean training = true;
  // Null while no hook is registered, so call() allocates nothing for the common case.
  private volatile LayerHooks hooks;

  /**
   * Computes the layer's output for {@code input}; records the graph when gradients are on.
   *
   * @param input a batch, batch dimension first, on the layer's device; not closed or changed
   * @return a new tensor in the caller's innermost open scope (else owned by the caller); an
   *     identity-like layer may return {@code input} itself
   * @throws IllegalArgumentException when the input's shape, dtype or device does not fit the
   *     layer, naming the layer, what it expected and what it got
   */
  public abstract Tensor forward(Tensor input);

  /**
   * Runs this layer: its forward pre-hooks, {@link #forward}, its forward hooks, and, when the
   * output is recorded for backward, a node that gives its backward hooks the output's gradient.
   * Each kind runs in registration order, each hook seeing the previous one's replacement. With no
   * hook registered this is {@code forward(input)}.
   *
   * @param input a batch, batch dimension first, on the layer's device; not closed or changed
   * @return the output as {@link #forward} returns it, or a forward hook's replacement
   * @throws IllegalArgumentException as {@link #forward} throws it
   */
  public final Tensor call(Tensor input) {
    LayerHooks h = hooks;
    return h == null ? forward(input) : h.run(this, input, this::forward);
  }

  /**
   * {@link #call} for a forward that takes more than one tensor (MultiheadAttention's query, key,
   * value and masks): the hooks see {@code input} (the first argument, as the layer's input; a
   * pre-hook's replacement is what {@code forward} receives) and the output {@code forward}
   * returns from it. A layer with such a forward offers a public {@code call} with its arguments
   * built on this, so containers can run it with its hooks.
   *
   * @param input the tensor the hooks see as the input
   * @param forward computes the output from the (possibly replaced) input
   * @return the output, or a forward hook's replacement
   */
  protected final Tensor call(Tensor input, UnaryOperator<Tensor> forward) {
    LayerHooks h = hooks;
    return h == null ? forward.apply(input) : h.run(this, input, forward);
  }

  /**
   * Registers a hook that sees (or replaces) this layer's input before each {@link #call}.
   *
   * @param hook the hook, not null
   * @return the handle that removes it
   * @throws IllegalArgumentException when {@code hook} is null
   */
  public HookHandle registerForwardPreHook(ForwardPreHook hook) {
    return addHook("registerForwardPreHook", hook, h -> h.pre);
  }

  /**
   * Registers a hook that sees (or replaces) this layer's output after each {@link #call}.
   *
   * @param hook the hook, not null
   * @return the handle that removes it
   * @throws IllegalArgumentException when {@code hook} is null
   */
  public HookHandle registerForwardHook(ForwardHook hook) {
    return addHook("registerForwardHook", hook, h -> h.forward);
  }

  /**
   * Registers a hook that sees (or replaces) the gradient with respect to this layer's output,
   * during the backward of a loss computed from a {@link #call} made with gradients recorded. It
   * runs once per backward pass that reaches the layer, after the gradients of every use of the
   * output have been added up.
   *
   * @param hook the hook, not null
   * @return the handle that removes it; a removed hook no longer runs, even in the backward of an
   *     output computed before the removal
   * @throws IllegalArgumentException when {@code hook} is null
   */
  public HookHandle registerBackwardHook(BackwardHook hook) {
    return addHook("registerBackwardHook", hook, h -> h.backward);
  }

  /**
   * Whether this layer itself (not its descendants) has a hook registered.
   *
   * @return true while a forward pre-hook, forward hook or backward hook is registered
   */
  public boolean hasHooks() {
    return hooks != null;
  }

  private synchronized <H> HookHandle addHook(String what, H hook, Function<LayerHooks, List<H>> list) {
    if (hook == null) throw new IllegalArgumentException(describe() + "." + what + ": the hook must not be null");
    LayerHooks h = hooks != null ? hooks : new LayerHooks();
    list.apply(h).add(hook);
    hooks = h;
    return new HookHandle(() -> removeHook(hook, list));
  }

  private synchronized <H> void removeHook(H hook, Function<LayerHooks, List<H>> list) {
    LayerHooks h = hooks;
    if (h == null) return;
    List<H> l = list.apply(h);
    for (int i = 0; i < l.size(); i++) {
      if (l.get(i) == hook) {  // by identity: the same lambda registered twice is two hooks
        l.remove(i);
        break;
      }
    }
    if (h.isEmpty()) hooks = null;
  }

  /**
   * Registers a trainable parameter under {@code name}, taking ownership of it.
   *
   * @param name the parameter's name within this layer: not empty, no dots, not yet used
   * @param value the tensor, which becomes a leaf requiring gradients and leaves its scope
   * @return {@code value}
   * @throws IllegalArgumentException when the name is empty, has a dot or is taken
   */
  protected Tensor registerParameter(String name, Tensor value) {
    checkName(name);
    value.keep();
    value.requiresGrad(true);
    parameters.put(name, value);
    return value;
  }

  /**
   * Registers non-trainable state under {@code name} (running statistics, counters): saved with
   * the model, owned and freed by the layer, never given gradients.
   *
   * @param name the buffer's name within this layer: not empty, no dots, not yet used
   * @param value the tensor, which leaves its scope
   * @return {@code value}
   * @throws IllegalArgumentException when the name is empty, has a dot or is taken
   */
  protected Tensor registerBuffer(String name, Tensor value) {
    checkName(name);
    value.keep();
    buffers.put(name, value);
    return value;
  }

  /**
   * Every buffer of this layer and its descendants, by dotted name.
   *
   * @return a new map in registration order; the tensors stay the layers' (do not close them)
   */
  public Map<String, Tensor> namedBuffers() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collectBuffers("", out);
    return out;
  }

  private void collectBuffers(String prefix, Map<String, Tensor> out) {
    for (Map.Entry<String, Tensor> e : buffers.entrySet()) out.put(prefix + e.getKey(), e.getValue());
    for (Map.Entry<String, Layer> e : children.entrySet()) e.getValue().collectBuffers(prefix + e.getKey() + ".", out);
  }

  /**
   * This layer's own buffer {@code name} (not a descendant's). Look it up at each use rather than
   * keeping it in a field: {@link #to(Device)} and {@link #to(DType)} replace it.
   *
   * @param name the name it was registered under
   * @return the buffer, or null when there is none of that name
   */
  protected Tensor buffer(String name) {
    return buffers.get(name);
  }

  /**
   * This layer's own parameter {@code name} (not a descendant's). Look it up at each use rather
   * than keeping it in a field: {@link #to(Device)} and {@link #to(DType)} replace it.
   *
   * @param name the name it was registered under
   * @return the parameter, or null when there is none of that name
   */
  protected Tensor parameter(String name) {
    return parameters.get(name);
  }

  /**
   * Forward FLOPs for one sample with the given per-sample input and output shapes (batch dimension
   * excluded). A multiply-add counts as 2; see {@link Summary} for the convention. Default 0 for
   * layers that only move data.
   *
   * @param inputShape one sample's input shape
   * @param outputShape one sample's output shape
   * @return the floating-point operations of one sample's forward pass, at least 0
   */
  public long flops(long[] inputShape, long[] outputShape) {
    return 0;
  }

  /**
   * Prints and returns a table of this model's layers for inputs of per-sample shape
   * {@code inputShape}: output shapes, parameter counts and forward FLOPs per sample.
   *
   * @param inputShape one sample's shape, without the batch dimension (e.g. 1, 28, 28)
   * @return the table, also printed to System.out
   * @throws IllegalArgumentException when a sample of that shape does not fit the model
   */
  public Summary summary(long... inputShape) {
    Summary s = Summary.of(this, inputShape);
    System.out.println(s);
    return s;
  }

  /**
   * Registers a child layer under {@code name}; its parameters appear as "name.param". The child
   * is then closed, moved and switched between modes with this layer.
   *
   * @param <M> the child's type, returned as is
   * @param name the child's name within this layer: not empty, no dots, not yet used
   * @param module the child
   * @return {@code module}
   * @throws IllegalArgumentException when the name is empty, has a dot or is taken
   */
  protected <M extends Layer> M registerModule(String name, M module) {
    checkName(name);
    children.put(name, module);
    return module;
  }

  /**
   * Replaces the child registered under {@code name} (a container rearranging itself, as
   * {@link Sequential#fuseForInference()} does); the old child is returned, not closed.
   *
   * @param name the name of an existing child
   * @param module the new child, not null
   * @return the old child, now owned by the caller
   * @throws IllegalArgumentException when there is no child of that name or {@code module} is null
   */
  protected Layer replaceModule(String name, Layer module) {
    if (!children.containsKey(name)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": no child named '" + name + "' to replace");
    }
    if (module == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": child '" + name + "' must not be null");
    return children.put(name, module);
  }

  /**
   * Puts {@code module} where the child {@code name} is, under the same name, so the parameter and
   * buffer names below it stay: for model rewrites such as
   * {@code org.jdnn.distributed.SyncBatchNorm.convert}. The old child is returned, not closed.
   *
   * <p>This default refuses: a layer that keeps its children in fields must update those too, so
   * each container says it can by overriding this method. jdnn's {@link Sequential},
   * {@link Residual}, {@link Add}, {@link Concat} and {@link ActivityL1} do; a layer of one's own
   * does by calling {@link #replaceModule} and updating its field.
   *
   * @param name the name of an existing child
   * @param module the new child, not null
   * @return the old child, now owned by the caller
   * @throws UnsupportedOperationException when this layer does not support replacing its children
   * @throws IllegalArgumentException when there is no child of that name or {@code module} is null
   */
  public Layer replaceChild(String name, Layer module) {
    throw new UnsupportedOperationException(describe() + " (" + getClass().getName() + ") cannot replace its child '"
        + name + "': it does not override Layer.replaceChild, so its forward may still call the old child");
  }

  private void checkName(String name) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid name '" + name + "' (non-empty, no dots)");
    }
    if (parameters.containsKey(name) || children.containsKey(name) || buffers.containsKey(name)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is already registered");
    }
  }

  /**
   * Every parameter of this layer and its descendants, by dotted name, in registration order.
   *
   * @return a new map; the tensors stay the layers' (do not close them)
   */
  public Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out);
    return out;
  }

  private void collect(String prefix, Map<String, Tensor> out) {
    for (Map.Entry<String, Tensor> e : parameters.entrySet()) out.put(prefix + e.getKey(), e.getValue());
    for (Map.Entry<String, Layer> e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out);
  }

  /**
   * Every parameter, in the order of {@link #namedParameters()}: what an optimizer takes.
   *
   * @return a new list; the tensors stay the layers' (do not close them)
   */
  public List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /**
   * Direct children by name.
   *
   * @return an unmodifiable view, in registration order
   */
  public Map<String, Layer> children() {
    return Collections.unmodifiableMap(children);
  }

  /**
   * Total number of parameter elements.
   *
   * @return the sum of every parameter's element count
   */
  public long parameterCount() {
    long n = 0;
    for (Tensor t : namedParameters().values()) n += t.numel();
    return n;
  }

  /**
   * Switches this layer and its descendants to training mode.
   *
   * @return this layer
   */
  public Layer train() {
    return train(true);
  }

  /**
   * Switches this layer and its descendants to inference mode (dropout off, batch norm on its
   * running statistics). It does not turn gradient recording off: that is {@code GradMode}'s job.
   *
   * @return this layer
   */
  public Layer eval() {
    return train(false);
  }

  /**
   * Sets training mode on this layer and all descendants.
   *
   * @param on true for training, false for inference
   * @return this layer
   */
  public Layer train(boolean on) {
    training = on;
    for (Layer m : children.values()) m.train(on);
    return this;
  }

  /**
   * Opt-in bfloat16 inference for every {@link Linear} in this tree: with {@code on}, each packs a
   * bf16 copy of its current weight once, and forward passes that record no gradient (eval under
   * {@link org.jdnn.tensor.GradMode#disable()}) multiply in bf16 with float32 accumulation:
   * faster, at a small accuracy cost (measured for W1 in docs/architecture.md). Training and
   * calls with gradients still use float32. Call again after the weights change (training,
   * loading); {@code false} frees the copies. On a CPU without AMX or AVX512-BF16 the layers stay
   * float32 ({@link Linear#isInferenceBf16()} says which), since bf16 in software would be slower.
   *
   * @param on whether to pack bf16 copies (true) or free them (false)
   * @return this layer
   */
  public Layer inferenceBf16(boolean on) {
    for (Layer m : children.values()) m.inferenceBf16(on);
    return this;
  }

  /**
   * Fuses what can run as one native call at inference, in this tree: each {@link Sequential} gives a
   * {@link Linear} or {@link Conv2d} that is followed by a {@link ReLU} the ReLU to carry
   * ({@link Linear#isReluFused()}, {@link Conv2d#isReluFused()}) and
   * puts an {@link Identity} where the ReLU was, so parameter names, saved weights and outputs stay as
   * they were. A forward that records no gradient then runs the pair as one call; with gradients the
   * layer records the two ops, so the fused model still trains to the same values. The new structure is
   * what a model file saves. Call it before serving from several threads, not during.
   *
   * @return this layer
   */
  public Layer fuseForInference() {
    for (Layer m : children.values()) m.fuseForInference();
    return this;
  }

  /**
   * Whether this layer is in training mode.
   *
   * @return true after construction and {@link #train()}, false after {@link #eval()}
   */
  public boolean isTraining() {
    return training;
  }

  /**
   * Fills every existing parameter gradient with zeros, keeping its memory (optimizers' zeroGrad
   * frees gradients instead, which is cheaper for the next backward).
   */
  public void zeroGrad() {
    for (Tensor t : namedParameters().values()) t.zeroGrad();
  }

  /**
   * Converts every parameter to {@code dtype} in place (for example float64 for a gradient check).
   * Existing gradients are dropped. Buffers convert too, except integer ones (counters).
   *
   * @param dtype the parameters' new element type, normally float32 or float64
   * @return this layer
   */
  public Layer to(DType dtype) {
    for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
      Tensor old = e.getValue();
      if (old.dtype() == dtype) continue;
      Tensor converted = Tensor.empty(dtype, old.device(), old.shape()).keep();
      MemoryOps.copy(old, converted);
      converted.requiresGrad(true);
      e.setValue(converted);
      old.close();
    }
    for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
      Tensor old = e.getValue();
      if (old.dtype() == dtype || !old.dtype().isFloatingPoint()) continue;
      Tensor converted = Tensor.empty(dtype, old.device(), old.shape()).keep();
      MemoryOps.copy(old, converted);
      e.setValue(converted);
      old.close();
    }
    for (Layer m : children.values()) m.to(dtype);
    return this;
  }

  /**
   * Moves every parameter and buffer of this tree to {@code device}, in place: each tensor is
   * replaced by a copy on the device and the old one is closed, so references to the old tensors
   * (an optimizer's parameter list, a tensor obtained from {@link #namedParameters()}) become
   * closed tensors. As in PyTorch, move the model first and create its optimizer afterwards.
   * Existing gradients are dropped; packed bf16 inference copies (CPU only) are freed.
   *
   * @param device where the tensors go
   * @return this layer
   * @throws IllegalArgumentException when {@code device} is null

   */
  public Layer to(Device device) {
    if (device == null) throw new IllegalArgumentException(describe() + ".to: device must not be null");
    boolean moves = false;
    for (Tensor t : namedParameters().values()) moves |= t.device() != device;
    for (Tensor t : namedBuffers().values()) moves |= t.device() != device;
    if (!moves) return this;
    inferenceBf16(false);
    moveTensors(device);
    return this;
  }

  private void moveTensors(Device device) {
    try (GradMode.Guard g = GradMode.disable()) {
      for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
        Tensor old = e.getValue();
        if (old.device() == device) continue;
        Tensor moved = old.to(device).keep();
        moved.requiresGrad(old.requiresGrad());
        e.setValue(moved);
        old.close();
      }
      for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
        Tensor old = e.getValue();
        if (old.device() == device) continue;
        e.setValue(old.to(device).keep());
        old.close();
      }
    }
    for (Layer m : children.values()) m.moveTensors(device);
  }

  /**
   * The device of this tree's parameters (or buffers, for a layer with none).
   *
   * @return that device; the CPU for a layer holding no tensors
   * @throws IllegalStateException when its tensors are spread over several devices
   */
  public Device device() {
    Device found = null;
    List<Tensor> all = new ArrayList<>(namedParameters().values());
    all.addAll(namedBuffers().values());
    for (Tensor t : all) {
      if (found == null) {
        found = t.device();
      } else if (t.device() != found) {
        throw new IllegalStateException(describe() + ": tensors on several devices (" + found + " and " + t.device()
            + "); move the model with Layer.to(device)");
      }
    }
    return found == null ? Device.cpu() : found;
  }

  /** Frees the parameters and buffers of this layer and its descendants. */
  @Override
  public void close() {
    for (Tensor t : parameters.values()) t.close();
    for (Tensor t : buffers.values()) t.close();
    for (Layer m : children.values()) m.close();
  }

  /**
   * Short description used in error messages and summaries.
   *
   * @return the type and its settings, e.g. "Linear(784 -&gt; 512)"
   */
  public String describe() {

    return getClass().getSimpleName() + "()";
  }

  @Override
  public String toString() {
    if (children.isEmpty()) return describe();
    StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(\n");
    for (Map.Entry<String, Layer> e : children.entrySet()) {
      String child = e.getValue().toString().replace("\n", "\n  ");
      sb.append("  (").append(e.getKey()).append("): ").append(child).append('\n');
    }
    return sb.append(')').toString();
  }
}
