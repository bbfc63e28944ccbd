package org.jdnn.optim;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * Dynamic loss scaling for float16 mixed-precision training, with torch.amp.GradScaler's rules and
 * defaults. Float16 holds nothing below 2^-24, so small gradients computed in it vanish; scaling the
 * loss by a large factor before backward keeps them, and dividing the gradients by it before the
 * update restores their size. When a step's gradients overflow (inf or NaN), the update is skipped
 * and the scale halved; after {@code growthInterval} good steps in a row it is doubled.
 *
 * <p>Everything runs on the device, with no host wait: the inf/NaN check while unscaling, the
 * decision to skip the update (the optimizers of org.jdnn.optim take it in their kernels and count
 * their steps there, so Adam's bias corrections follow the steps actually taken), and the scale's
 * update. Bfloat16 has float32's range and needs no scaling.
 *
 * <pre>{@code
 * try (GradScaler scaler = new GradScaler(device)) {
 *   for (Batch b : batches) {
 *     try (TensorScope step = new TensorScope()) {
 *       opt.zeroGrad();
 *       Tensor loss;
 *       try (Autocast.Scope half = Autocast.enable(DType.FLOAT16)) {
 *         loss = lossFn.compute(model.forward(b.inputs()), b.targets());
 *       }
 *       scaler.scale(loss).backward();
 *       scaler.unscale(opt);               // only when clipping: clip the true gradients
 *       GradClip.byNormOnDevice(model.parameters(), 1.0).close();  // no host wait
 *       scaler.step(opt);                  // skipped on the device if a gradient overflowed
 *       scaler.update();
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>The scale, growth tracker and skipped-step count are one-element tensors on the device (float32,
 * int32, int64, as PyTorch keeps the first two); {@link #state()} reads them for checkpoints, and
 * {@link #loadState} restores them, so a resumed run continues with the same scale.
 * {@link #close()} frees them.
 */
public final class GradScaler implements AutoCloseable {
  /** torch.amp.GradScaler's default initial scale, 2^16. */
  public static final double DEFAULT_INIT_SCALE = 65536.0;
  /** Its default growth factor. */
  public static final double DEFAULT_GROWTH_FACTOR = 2.0;
  /** Its default backoff factor. */
  public static final double DEFAULT_BACKOFF_FACTOR = 0.5;
  /** Its default growth interval, in good steps. */
  public static final int DEFAULT_GROWTH_INTERVAL = 2000;

  private final Device device;
  private final double growthFactor;
  private final double backoffFactor;
  private final int growthInterval;
  private final Tensor scale;
  private final Tensor growthTracker;
  private final Tensor skipped;
  // This iteration's optimizers: their found-inf flags (set by unscale), and those already stepped.
  private final Map<Optimizer, Tensor> found = new IdentityHashMap<>();
  private final Map<Optimizer, Boolean> stepped = new IdentityHashMap<>();
  private boolean closed;

  /**
   * A scaler with PyTorch's defaults: scale 2^16, x2 after 2,000 good steps, x0.5 on overflow.
   *
   * @param device the device of the model, its loss and its gradients
   */
  public GradScaler(Device device) {
    this(device, DEFAULT_INIT_SCALE, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL);
  }

  /**
   * A scaler with its own settings.
   *
   * @param device the device of the model, its loss and its gradients
   * @param initScale the first scale, finite and above 0 (rounded to float32)
   * @param growthFactor what {@code growthInterval} good steps in a row multiply the scale by, above 1
   * @param backoffFactor what a step with an overflow multiplies it by, in (0, 1)
   * @param growthInterval good steps in a row before the scale grows, at least 1
   * @throws IllegalArgumentException when a setting is out of range
   */
  public GradScaler(Device device, double initScale, double growthFactor, double backoffFactor, int growthInterval) {
    if (device == null) throw new IllegalArgumentException("GradScaler: device must not be null");
    checkSettings(initScale, growthFactor, backoffFactor, growthInterval);
    this.device = device;
    this.growthFactor = growthFactor;
    this.backoffFactor = backoffFactor;
    this.growthInterval = growthInterval;
    Tensor s = null, t = null, k = null;
    try {
      s = scalarOn(DType.FLOAT32, initScale);
      t = scalarOn(DType.INT32, 0);
      k = scalarOn(DType.INT64, 0);
    } catch (RuntimeException e) {
      for (Tensor x : new Tensor[] {s, t, k}) if (x != null) x.close();
      throw e;
    }
    scale = s;
    growthTracker = t;
    skipped = k;
  }

  private static void checkSettings(double initScale, double growthFactor, double backoffFactor, long growthInterval) {
    if (!(initScale > 0) || Double.isInfinite(initScale) || (float) initScale == Float.POSITIVE_INFINITY
        || (float) initScale == 0f) {
      throw new IllegalArgumentException("GradScaler: the scale must be finite and above 0 in float32, got " + initScale);
    }
    if (!(growthFactor > 1) || Double.isInfinite(growthFactor)) {
      throw new IllegalArgumentException("GradScaler: growthFactor must be a finite number above 1, got " + growthFactor
          + " (PyTorch's default is 2.0)");
    }
    if (!(backoffFactor > 0 && backoffFactor < 1)) {
      throw new IllegalArgumentException("GradScaler: backoffFactor must be in (0, 1), got " + backoffFactor
          + " (PyTorch's default is 0.5)");
    }
    if (growthInterval < 1 || growthInterval > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("GradScaler: growthInterval must be in [1, 2^31), got " + growthInterval
          + " (PyTorch's default is 2000)");
    }
  }

  // A one-element tensor of the given value on this scaler's device, owned by the scaler.
  private Tensor scalarOn(DType dtype, double value) {
    Tensor t = Tensor.empty(dtype, device).keep();
    try {
      MemoryOps.fill(t, value);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  /**
   * The loss times the current scale, recorded for backward: call backward on the result.
   *
   * @param loss a float32 tensor on this scaler's device (autocast computes losses in float32)
   * @return loss * scale, a new tensor of the loss's shape
   * @throws IllegalArgumentException when the loss is null, not float32 or on another device
   * @throws IllegalStateException when the scaler is closed
   */
  public Tensor scale(Tensor loss) {
    checkOpen();
    if (loss == null || loss.dtype() != DType.FLOAT32 || loss.device() != device) {
      throw new IllegalArgumentException("GradScaler.scale: expected a float32 loss on " + device + ", got "
          + (loss == null ? "null" : loss.describe()) + "; compute the loss in float32 (autocast does) on the"
          + " scaler's device");
    }
    return loss.mul(scale);
  }

  /**
   * Divides the optimizer's gradients by the scale, in place, and records whether any was inf or
   * NaN, on the device. Call it between backward and {@link #step} only when the true gradients are
   * needed first (clipping, logging their norm); {@link #step} does it otherwise.
   *
   * @param optimizer the optimizer about to step
   * @throws IllegalStateException when it was already unscaled or stepped since the last {@link
   *     #update()}, or the scaler is closed
   * @throws IllegalArgumentException when a gradient is not on this scaler's device
   */
  public void unscale(Optimizer optimizer) {
    checkOpen();
    if (optimizer == null) throw new IllegalArgumentException("GradScaler.unscale: optimizer must not be null");
    if (found.containsKey(optimizer)) {
      throw new IllegalStateException("GradScaler.unscale: this optimizer's gradients were already unscaled"
          + (stepped.containsKey(optimizer) ? " and stepped" : "") + " since the last update(); call update() once"
          + " per iteration, after step()");
    }
    List<Tensor> grads = new ArrayList<>();
    for (Tensor p : optimizer.parameters()) {
      Tensor g = p.grad();
      if (g == null) continue;
      if (g.device() != device) {
        throw new IllegalArgumentException("GradScaler.unscale: gradient " + g.describe() + " is not on the scaler's"
            + " device " + device + "; create the scaler on the model's device");
      }
      grads.add(g);
    }
    Tensor flag = scalarOn(DType.FLOAT32, 0);
    found.put(optimizer, flag);
    if (!grads.isEmpty()) OptimOps.ampUnscale(grads.toArray(new Tensor[0]), flag, scale);
  }

  /**
   * Unscales the gradients (unless {@link #unscale} did) and steps the optimizer, except that the
   * update is skipped, on the device, when a gradient was inf or NaN. The optimizers of
   * org.jdnn.optim decide this in their kernels, with no host wait; another optimizer's flag is read
   * on the host.
   *
   * @param optimizer the optimizer to step
   * @throws IllegalStateException when it was already stepped since the last {@link #update()}, or
   *     the scaler or optimizer is closed
   */
  public void step(Optimizer optimizer) {
    checkOpen();
    if (optimizer == null) throw new IllegalArgumentException("GradScaler.step: optimizer must not be null");
    if (stepped.containsKey(optimizer)) {
      throw new IllegalStateException("GradScaler.step: this optimizer was already stepped since the last update();"
          + " call update() once per iteration, after step()");
    }
    boolean anyGradient = false;
    for (Tensor p : optimizer.parameters()) anyGradient |= p.grad() != null;
    if (!anyGradient) {  // as PyTorch's "No inf checks were recorded for this optimizer"
      throw new IllegalStateException("GradScaler.step: the optimizer has no gradients, so no overflow check was made;"
          + " call scale(loss).backward() before step(optimizer)");
    }
    if (!found.containsKey(optimizer)) unscale(optimizer);
    optimizer.step(found.get(optimizer));
    stepped.put(optimizer, Boolean.TRUE);
  }

  /**
   * One training step's second half, with or without loss scaling: with a scaler, {@code scale(loss).backward()},
   * {@link #step} and {@link #update()}; with none (null), {@code loss.backward()} and {@code optimizer.step()}. For
   * loops that clip or inspect gradients between backward and step, call the parts instead.
   *
   * @param scaler the loss scaler, or null for a plain step
   * @param loss the step's loss (float32 with a scaler)
   * @param optimizer the optimizer to step
   */
  public static void backwardAndStep(GradScaler scaler, Tensor loss, Optimizer optimizer) {
    if (scaler == null) {
      loss.backward();
      optimizer.step();
      return;
    }
    scaler.scale(loss).backward();
    scaler.step(optimizer);  // skipped on the device when a gradient overflowed
    scaler.update();
  }

  /**
   * Updates the scale after this iteration's steps, on the device: halved (times the backoff factor)
   * when any stepped optimizer's gradients overflowed, doubled (times the growth factor) after
   * {@code growthInterval} good steps in a row.
   *
   * @throws IllegalStateException when no optimizer was stepped (or unscaled) since the last update,
   *     or the scaler is closed
   */
  public void update() {
    checkOpen();
    if (found.isEmpty()) {
      throw new IllegalStateException("GradScaler.update: no gradients were unscaled since the last update(); call"
          + " step(optimizer) first");
    }
    try {
      List<Tensor> flags = new ArrayList<>(found.values());
      if (flags.size() == 1) {
        OptimOps.ampUpdateScale(scale, growthTracker, skipped, flags.get(0), growthFactor, backoffFactor, growthInterval);
      } else {
        // any optimizer's overflow counts, as PyTorch sums the flags
        try (Tensor any = flags.get(0).add(flags.get(1))) {
          Tensor sum = any;
          for (int k = 2; k < flags.size(); k++) {
            Tensor next = sum.add(flags.get(k));
            if (sum != any) sum.close();
            sum = next;
          }
          OptimOps.ampUpdateScale(scale, growthTracker, skipped, sum, growthFactor, backoffFactor, growthInterval);
          if (sum != any) sum.close();
        }
      }
    } finally {
      for (Tensor f : found.values()) f.close();
      found.clear();
      stepped.clear();
    }
  }

  /**
   * The current scale (reads the device, so it waits for queued work).
   *
   * @return the scale, a float32 value
   */
  public double scaleValue() {
    checkOpen();
    return scale.item();
  }

  /**
   * Steps skipped because a gradient overflowed, since the scaler was made or its state loaded
   * (reads the device).
   *
   * @return the count
   */
  public long skippedSteps() {
    checkOpen();
    return skipped.toLongArray()[0];
  }

  /** @return the device of the scale and of the gradients it handles */
  public Device device() {
    return device;
  }

  /**
   * The scaler's state, JSON-friendly, under torch.amp.GradScaler's state_dict names: "scale",
   * "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker", and jdnn's
   * "skipped_steps". Reads the device.
   *
   * @return a new map
   * @throws IllegalStateException when the scaler is closed, or an iteration is half done (unscaled
   *     or stepped without update())
   */
  public Map<String, Object> state() {
    checkOpen();
    if (!found.isEmpty()) {
      throw new IllegalStateException("GradScaler.state: an iteration is in progress (unscale or step without update());"
          + " save after update()");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("scale", scaleValue());
    out.put("growth_factor", growthFactor);
    out.put("backoff_factor", backoffFactor);
    out.put("growth_interval", growthInterval);
    out.put("_growth_tracker", (long) growthTracker.toIntArray()[0]);
    out.put("skipped_steps", skippedSteps());
    return out;
  }

  /**
   * Restores what {@link #state()} returned (possibly through JSON). The factors and interval must
   * equal this scaler's: they are settings, given to the constructor.
   *
   * @param state the saved state
   * @throws IllegalArgumentException when an entry is missing, of the wrong type or out of range, or
   *     a setting differs; nothing changes then
   * @throws IllegalStateException when the scaler is closed
   */
  public void loadState(Map<String, Object> state) {
    checkState(state);
    for (Tensor f : found.values()) f.close();
    found.clear();
    stepped.clear();
    MemoryOps.fill(scale, number(state, "scale"));
    MemoryOps.fill(growthTracker, whole(state, "_growth_tracker"));
    MemoryOps.fill(skipped, whole(state, "skipped_steps"));
  }

  /**
   * Checks what {@link #loadState} checks, without changing anything, so a caller restoring several
   * objects can validate them all first.
   *
   * @param state the saved state
   * @throws IllegalArgumentException when {@link #loadState} would refuse it
   * @throws IllegalStateException when the scaler is closed
   */
  public void checkState(Map<String, Object> state) {
    checkOpen();
    if (state == null) throw new IllegalArgumentException("GradScaler.loadState: state must not be null");
    for (String key : state.keySet()) {
      if (!List.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker", "skipped_steps")
          .contains(key)) {
        throw new IllegalArgumentException("GradScaler.loadState: unknown entry '" + key + "'");
      }
    }
    double s = number(state, "scale");
    long tracker = whole(state, "_growth_tracker");
    long skips = whole(state, "skipped_steps");
    checkSettings(s, number(state, "growth_factor"), number(state, "backoff_factor"), whole(state, "growth_interval"));
    for (String key : new String[] {"growth_factor", "backoff_factor", "growth_interval"}) {
      double saved = number(state, key);
      double mine = key.equals("growth_factor") ? growthFactor : key.equals("backoff_factor") ? backoffFactor : growthInterval;
      if (saved != mine) {
        throw new IllegalArgumentException("GradScaler.loadState: saved " + key + " is " + saved + ", this scaler's is "
            + mine + "; create the scaler with the saved settings");
      }
    }
    if (tracker < 0 || tracker >= growthInterval) {
      throw new IllegalArgumentException("GradScaler.loadState: _growth_tracker must be in [0, " + growthInterval
          + "), got " + tracker);
    }
    if (skips < 0) throw new IllegalArgumentException("GradScaler.loadState: skipped_steps must be >= 0, got " + skips);
  }

  private static double number(Map<String, Object> state, String key) {
    if (!(state.get(key) instanceof Number n)) {
      throw new IllegalArgumentException("GradScaler.loadState: '" + key + "' must be a number, got " + state.get(key));
    }
    return n.doubleValue();
  }

  private static long whole(Map<String, Object> state, String key) {
    double v = number(state, key);
    if (v != Math.rint(v) || Math.abs(v) > 1L << 53) {
      throw new IllegalArgumentException("GradScaler.loadState: '" + key + "' must be a whole number, got " + v);
    }
    return (long) v;
  }

  /** Frees the scaler's device tensors; closing twice does nothing. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    for (Tensor f : found.values()) f.close();
    found.clear();
    stepped.clear();
    scale.close();
    growthTracker.close();
    skipped.close();
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("GradScaler is closed; create a new one");
  }
}
