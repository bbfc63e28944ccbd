package org.jdnn.tensor;

import static org.jdnn.tensor.OpChecks.handle;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.jdnn.bridge.JdnnNative;

/**
 * Optimizer steps and gradient clipping: in-place updates outside the autograd graph, used by
 * org.jdnn.optim. Each validates shapes and dtypes before touching memory.
 */
public final class OptimOps {
  private OptimOps() {}

  // Optimizer steps: optional state tensors are null exactly when the configuration keeps none
  // (no momentum, not centered, no AMSGrad); step is the parameter's 1-based update count.

  /**
   * torch.optim.SGD's update for one parameter; {@code first} marks the momentum buffer's first use.
   * Hyper-parameters are used as given: {@code org.jdnn.optim.SGD} validates them.
   *
   * @param p the parameter, float32 or float64, updated in place
   * @param g its gradient, p's dtype, device and element count; read only
   * @param buf the momentum buffer, updated in place, or null when momentum is 0
   * @param lr the learning rate
   * @param momentum the momentum factor
   * @param dampening the dampening of the buffer's gradient term
   * @param weightDecay added to the gradient as weightDecay p
   * @param nesterov whether to step along g + momentum buf
   * @param first whether the buffer is used for the first time (it then starts as g)
   * @throws IllegalArgumentException when a tensor is not float or differs from p in dtype, element
   *     count or device
   */
  public static void sgd(Tensor p, Tensor g, Tensor buf, double lr, double momentum, double dampening,
      double weightDecay, boolean nesterov, boolean first) {
    sameLayout("SGD", p, g, buf);
    NativeErrors.check(JdnnNative.optim_sgd(p.h(), g.h(), handle(buf), lr, momentum, dampening, weightDecay, nesterov, first));
  }

  /**
   * torch.optim.Adagrad's update; {@code sum} accumulates squared gradients.
   *
   * @param p the parameter, float32 or float64, updated in place
   * @param g its gradient, p's dtype, device and element count; read only
   * @param sum the sum of squared gradients, updated in place
   * @param lr the learning rate
   * @param lrDecay the learning-rate decay per step
   * @param eps added to the denominator
   * @param weightDecay added to the gradient as weightDecay p
   * @param step the parameter's 1-based update count
   * @throws IllegalArgumentException when a tensor is not float or differs from p in dtype, element
   *     count or device
   */
  public static void adagrad(Tensor p, Tensor g, Tensor sum, double lr, double lrDecay, double eps,
      double weightDecay, long step) {
    sameLayout("AdaGrad", p, g, sum);
    NativeErrors.check(JdnnNative.optim_adagrad(p.h(), g.h(), sum.h(), lr, lrDecay, eps, weightDecay, step));
  }

  /**
   * torch.optim.RMSprop's update; {@code gradAvg} is non-null when centered, {@code buf} with momentum.
   *
   * @param p the parameter, float32 or float64, updated in place
   * @param g its gradient, p's dtype, device and element count; read only
   * @param squareAvg the average of squared gradients, updated in place
   * @param gradAvg the average of gradients (centered), updated in place, or null
   * @param buf the momentum buffer, updated in place, or null when momentum is 0
   * @param lr the learning rate
   * @param alpha the averages' smoothing constant
   * @param eps added to the denominator
   * @param weightDecay added to the gradient as weightDecay p
   * @param momentum the momentum factor
   * @throws IllegalArgumentException when a tensor is not float or differs from p in dtype, element
   *     count or device
   */
  public static void rmsprop(Tensor p, Tensor g, Tensor squareAvg, Tensor gradAvg, Tensor buf, double lr,
      double alpha, double eps, double weightDecay, double momentum) {
    sameLayout("RMSProp", p, g, squareAvg, gradAvg, buf);
    NativeErrors.check(JdnnNative.optim_rmsprop(p.h(), g.h(), squareAvg.h(), handle(gradAvg), handle(buf), lr, alpha, eps,
        weightDecay, momentum, gradAvg != null));
  }

  /**
   * torch.optim.Adam's bias-corrected update ({@code decoupled} false: weight decay joins the
   * gradient) or torch.optim.AdamW's ({@code decoupled} true: p *= 1 - lr wd first); AMSGrad when
   * {@code vMax} is non-null.
   *
   * @param p the parameter, float32 or float64, updated in place
   * @param g its gradient, p's dtype, device and element count; read only
   * @param m the first moment, updated in place
   * @param v the second moment, updated in place
   * @param vMax the largest second moment (AMSGrad), updated in place, or null
   * @param lr the learning rate
   * @param beta1 the first moment's decay rate
   * @param beta2 the second moment's decay rate
   * @param eps added to the denominator
   * @param weightDecay the weight decay (coupled or decoupled)
   * @param step the parameter's 1-based update count, for the bias corrections
   * @param decoupled true for AdamW's decay, false for Adam's
   * @throws IllegalArgumentException when a tensor is not float or differs from p in dtype, element
   *     count or device
   */
  public static void adam(Tensor p, Tensor g, Tensor m, Tensor v, Tensor vMax, double lr, double beta1,
      double beta2, double eps, double weightDecay, long step, boolean decoupled) {
    String op = decoupled ? "AdamW" : "Adam";
    sameLayout(op, p, g, m, v, vMax);
    if (decoupled) {
      NativeErrors.check(JdnnNative.optim_adamw(p.h(), g.h(), m.h(), v.h(), handle(vMax), lr, beta1, beta2, eps, weightDecay,
          vMax != null, step));
    } else {
      NativeErrors.check(JdnnNative.optim_adam(p.h(), g.h(), m.h(), v.h(), handle(vMax), lr, beta1, beta2, eps, weightDecay,
          vMax != null, step));
    }
  }

  /**
   * Clamps every element to [-limit, limit] in place (NaN stays NaN); outside the graph.
   *
   * @param t a float32 or float64 tensor, usually a gradient
   * @param limit the largest magnitude kept, at least 0
   * @throws IllegalArgumentException when t is not a float tensor
   */
  public static void clipValue(Tensor t, double limit) {
    t.requireFloat("clipValue");
    NativeErrors.check(JdnnNative.optim_clip_value(t.h(), limit));
  }

  /**
   * t *= factor in place, outside the graph.
   *
   * @param t a float32 or float64 tensor, usually a gradient
   * @param factor the multiplier
   * @throws IllegalArgumentException when t is not a float tensor
   */
  public static void scale(Tensor t, double factor) {
    t.requireFloat("scale");
    NativeErrors.check(JdnnNative.op_unary(UnaryOp.SCALE.code, t.h(), t.h(), factor, 0));
  }

  // ---- multi-tensor steps: a parameter group in one native call ---------------------------------
  // Index k of every array is parameter k. The parameters share one float dtype and one device
  // (Optimizer.step splits a mixed group); a state array is null exactly when the configuration
  // keeps none, as the per-tensor methods' single state tensors are. Each element gets the bits the
  // per-tensor method gives it; on CUDA the whole group is one kernel launch (more only past
  // cuda/tensor_table.h's capacity of 55 to 108 tensors per launch, by optimizer and dtype).

  /**
   * {@link #sgd} for every parameter of a group in one call.
   *
   * @param p the parameters, updated in place: at least one, distinct, of one float dtype and device
   * @param g their gradients, read only
   * @param buf the momentum buffers, or null when momentum is 0
   * @param first per parameter, whether its buffer is used for the first time
   * @param lr the learning rate
   * @param momentum the momentum factor
   * @param dampening the dampening of the buffer's gradient term
   * @param weightDecay added to the gradient as weightDecay p
   * @param nesterov whether to step along g + momentum buf
   * @param guard loss scaling's guard ({@link StepGuard}): the step is then skipped on the device when its
   *     flag is set and counted there, {@code steps} unread (it may be null); null for a plain step
   * @throws IllegalArgumentException when the group is empty, arrays differ in length, or a tensor is
   *     missing, repeated, not float, or differs from parameter 0 in dtype or device or from its own
   *     parameter in element count
   */
  public static void sgdGroup(Tensor[] p, Tensor[] g, Tensor[] buf, boolean[] first, double lr, double momentum,
      double dampening, double weightDecay, boolean nesterov, StepGuard guard) {
    String op = "SGD";
    groupLayout(op, p, new Tensor[][] {g, buf}, new String[] {"gradient", "momentum buffer"});
    long[] firstFlags = new long[p.length];
    perParameter(op, "first-use flags", first == null ? -1 : first.length, p.length);
    for (int k = 0; k < p.length; k++) firstFlags[k] = first[k] ? 1 : 0;
    checkGuard(op, p, guard);
    NativeErrors.check(JdnnNative.optim_sgd_group(handles(p), handles(g), handles(buf), firstFlags, p.length, lr,
        momentum, dampening, weightDecay, nesterov, flagOf(guard), countsOf(guard), slotsOf(guard)));
  }

  /**
   * {@link #adagrad} for every parameter of a group in one call.
   *
   * @param p the parameters, updated in place: at least one, distinct, of one float dtype and device
   * @param g their gradients, read only
   * @param sum the sums of squared gradients, updated in place
   * @param steps per parameter, its 1-based update count
   * @param lr the learning rate
   * @param lrDecay the learning-rate decay per step
   * @param eps added to the denominator
   * @param weightDecay added to the gradient as weightDecay p
   * @param guard loss scaling's guard ({@link StepGuard}): the step is then skipped on the device when its
   *     flag is set and counted there, {@code steps} unread (it may be null); null for a plain step
   * @throws IllegalArgumentException as {@link #sgdGroup}, or when a step is below 1
   */
  public static void adagradGroup(Tensor[] p, Tensor[] g, Tensor[] sum, long[] steps, double lr, double lrDecay,
      double eps, double weightDecay, StepGuard guard) {
    String op = "AdaGrad";
    groupLayout(op, p, new Tensor[][] {g, sum}, new String[] {"gradient", "sum of squares"});
    if (guard == null) checkSteps(op, steps, p.length);
    checkGuard(op, p, guard);
    NativeErrors.check(JdnnNative.optim_adagrad_group(handles(p), handles(g), handles(sum), guard == null ? steps : null,
        p.length, lr, lrDecay, eps, weightDecay, flagOf(guard), countsOf(guard), slotsOf(guard)));
  }

  /**
   * {@link #rmsprop} for every parameter of a group in one call.
   *
   * @param p the parameters, updated in place: at least one, distinct, of one float dtype and device
   * @param g their gradients, read only
   * @param squareAvg the averages of squared gradients, updated in place
   * @param gradAvg the averages of gradients (centered), or null
   * @param buf the momentum buffers, or null when momentum is 0
   * @param lr the learning rate
   * @param alpha the averages' smoothing constant
   * @param eps added to the denominator
   * @param weightDecay added to the gradient as weightDecay p
   * @param momentum the momentum factor
   * @param guard loss scaling's guard ({@link StepGuard}): the step is then skipped on the device when its
   *     flag is set and counted there, {@code steps} unread (it may be null); null for a plain step
   * @throws IllegalArgumentException as {@link #sgdGroup}
   */
  public static void rmspropGroup(Tensor[] p, Tensor[] g, Tensor[] squareAvg, Tensor[] gradAvg, Tensor[] buf,
      double lr, double alpha, double eps, double weightDecay, double momentum, StepGuard guard) {
    groupLayout("RMSProp", p, new Tensor[][] {g, squareAvg, gradAvg, buf},
        new String[] {"gradient", "square average", "gradient average", "momentum buffer"});
    checkGuard("RMSProp", p, guard);
    NativeErrors.check(JdnnNative.optim_rmsprop_group(handles(p), handles(g), handles(squareAvg), handles(gradAvg),
        handles(buf), p.length, lr, alpha, eps, weightDecay, momentum, gradAvg != null, flagOf(guard), countsOf(guard),
        slotsOf(guard)));
  }

  /**
   * {@link #adam} for every parameter of a group in one call.
   *
   * @param p the parameters, updated in place: at least one, distinct, of one float dtype and device
   * @param g their gradients, read only
   * @param m the first moments, updated in place
   * @param v the second moments, updated in place
   * @param vMax the largest second moments (AMSGrad), or null
   * @param steps per parameter, its 1-based update count, for the bias corrections
   * @param lr the learning rate
   * @param beta1 the first moment's decay rate
   * @param beta2 the second moment's decay rate
   * @param eps added to the denominator
   * @param weightDecay the weight decay (coupled or decoupled)
   * @param decoupled true for AdamW's decay, false for Adam's
   * @param guard loss scaling's guard ({@link StepGuard}): the step is then skipped on the device when its
   *     flag is set and counted there, {@code steps} unread (it may be null); null for a plain step
   * @throws IllegalArgumentException as {@link #sgdGroup}, or when a step is below 1
   */
  public static void adamGroup(Tensor[] p, Tensor[] g, Tensor[] m, Tensor[] v, Tensor[] vMax, long[] steps, double lr,
      double beta1, double beta2, double eps, double weightDecay, boolean decoupled, StepGuard guard) {
    String op = decoupled ? "AdamW" : "Adam";
    groupLayout(op, p, new Tensor[][] {g, m, v, vMax},
        new String[] {"gradient", "first moment", "second moment", "AMSGrad maximum"});
    if (guard == null) checkSteps(op, steps, p.length);
    checkGuard(op, p, guard);
    NativeErrors.check(JdnnNative.optim_adam_group(handles(p), handles(g), handles(m), handles(v), handles(vMax),
        guard == null ? steps : null, p.length, lr, beta1, beta2, eps, weightDecay, vMax != null, decoupled,
        flagOf(guard), countsOf(guard), slotsOf(guard)));
  }

  /**
   * Loss scaling's device-side guard of a group step ({@code org.jdnn.optim.GradScaler} makes them):
   * the step changes nothing when {@code foundInf} is not 0, and otherwise counts each parameter's
   * update on the device, in {@code stepCounts[slots[k]]} for parameter k, the per-step constants
   * (Adam's bias corrections, AdaGrad's decayed rate) following those counts. Nothing is read back
   * to the host, so a step whose gradients overflowed is skipped without waiting for the device.
   *
   * @param foundInf a float32 one-element tensor on the parameters' device: 0 to step, else skip
   * @param stepCounts an int64 tensor on that device: the update count of every parameter of the
   *     optimizer
   * @param slots per parameter of the call, its index in {@code stepCounts}; distinct
   */
  public record StepGuard(Tensor foundInf, Tensor stepCounts, long[] slots) {}

  private static void checkGuard(String op, Tensor[] p, StepGuard guard) {
    if (guard == null) return;
    Tensor f = guard.foundInf(), c = guard.stepCounts();
    if (f == null || f.isClosed() || f.dtype() != DType.FLOAT32 || f.numel() != 1 || f.device() != p[0].device()) {
      throw new IllegalArgumentException(op + ": the step guard's found-inf flag must be an open float32 one-element"
          + " tensor on " + p[0].device() + ", got " + (f == null ? "null" : f.describe()));
    }
    if (c == null || c.isClosed() || c.dtype() != DType.INT64 || c.device() != p[0].device()) {
      throw new IllegalArgumentException(op + ": the step guard's counts must be an open int64 tensor on "
          + p[0].device() + ", got " + (c == null ? "null" : c.describe()));
    }
    long[] slots = guard.slots();
    perParameter(op, "step-count slots", slots == null ? -1 : slots.length, p.length);
    Set<Long> seen = new java.util.HashSet<>();
    for (int k = 0; k < slots.length; k++) {
      if (slots[k] < 0 || slots[k] >= c.numel() || !seen.add(slots[k])) {
        throw new IllegalArgumentException(op + ": step-count slot " + slots[k] + " of parameter " + k
            + " is outside [0, " + c.numel() + ") or repeated; give each parameter its own slot");
      }
    }
  }

  private static long flagOf(StepGuard guard) {
    return guard == null ? 0 : guard.foundInf().h();
  }

  private static long countsOf(StepGuard guard) {
    return guard == null ? 0 : guard.stepCounts().h();
  }

  private static long[] slotsOf(StepGuard guard) {
    return guard == null ? null : guard.slots();
  }

  /**
   * The first half of torch.nn.utils.clip_grad_norm_, on the gradients' device and without reading
   * anything back: {@code total} = the L2 norm of all {@code grads} seen as one vector (accumulated
   * in float64), {@code coef} = min(1, maxNorm / (total + eps)) (NaN when total is NaN, 0 when it is
   * infinite).
   *
   * @param grads at least one float32 or float64 tensor, distinct, all on one device; read only
   * @param total a float64 one-element tensor on that device, overwritten
   * @param coef another float64 one-element tensor on that device, overwritten
   * @param maxNorm the largest allowed norm, at least 0
   * @param eps added to the norm before dividing, at least 0
   * @throws IllegalArgumentException when the list is empty, a tensor is missing, repeated, not float,
   *     or on another device, or total and coef are not float64 scalars on that device
   */
  public static void gradNorm(Tensor[] grads, Tensor total, Tensor coef, double maxNorm, double eps) {
    String op = "gradNorm";
    clipLayout(op, grads);
    for (Tensor t : new Tensor[] {total, coef}) {
      if (t == null || t.dtype() != DType.FLOAT64 || t.numel() != 1 || t.device() != grads[0].device()) {
        throw new IllegalArgumentException(op + ": total and coef must be float64 one-element tensors on "
            + grads[0].device() + ", got " + (t == null ? "null" : t.describe()));
      }
    }
    NativeErrors.check(JdnnNative.optim_grad_norm(handles(grads), grads.length, total.h(), coef.h(), maxNorm, eps));
  }

  /**
   * Multiplies every tensor by the float64 scalar {@code coef} (converted to each tensor's dtype), in
   * place, on their device: the second half of clipping by global norm.
   *
   * @param grads at least one float32 or float64 tensor, distinct, all on one device
   * @param coef a float64 one-element tensor on that device
   * @throws IllegalArgumentException as {@link #gradNorm}
   */
  public static void scaleGroup(Tensor[] grads, Tensor coef) {
    String op = "scaleGroup";
    clipLayout(op, grads);
    if (coef == null || coef.dtype() != DType.FLOAT64 || coef.numel() != 1 || coef.device() != grads[0].device()) {
      throw new IllegalArgumentException(op + ": coef must be a float64 one-element tensor on " + grads[0].device()
          + ", got " + (coef == null ? "null" : coef.describe()));
    }
    NativeErrors.check(JdnnNative.optim_scale_group(handles(grads), grads.length, coef.h()));
  }
  /**
   * torch.amp.GradScaler's unscaling of a step's gradients, on their device and without reading
   * anything back: every element times float32(1 / scale), in place; {@code foundInf} set to 1 when
   * any element was inf or NaN, else left as it was (so several calls accumulate into one flag).
   *
   * @param grads at least one float32 or float64 tensor, distinct, all on one device
   * @param foundInf a float32 one-element tensor on that device
   * @param scale another float32 one-element tensor on that device: the loss scale
   * @throws IllegalArgumentException when the list is empty, a tensor is missing, repeated, not float
   *     or on another device, or foundInf and scale are not distinct float32 scalars on that device
   */
  public static void ampUnscale(Tensor[] grads, Tensor foundInf, Tensor scale) {
    String op = "GradScaler.unscale";
    clipLayout(op, grads);
    for (Tensor t : new Tensor[] {foundInf, scale}) {
      if (t == null || t.isClosed() || t.dtype() != DType.FLOAT32 || t.numel() != 1 || t.device() != grads[0].device()) {
        throw new IllegalArgumentException(op + ": found-inf flag and scale must be open float32 one-element tensors on "
            + grads[0].device() + ", got " + (t == null ? "null" : t.describe()));
      }
    }
    NativeErrors.check(JdnnNative.amp_unscale(handles(grads), grads.length, foundInf.h(), scale.h()));
  }

  /**
   * torch.amp.GradScaler's update after a step, on the device: when {@code foundInf} is not 0 the
   * scale is multiplied by {@code backoffFactor}, the growth tracker zeroed and {@code skipped}
   * counted up; otherwise the tracker counts the step and, at {@code growthInterval} steps in a row,
   * the scale is multiplied by {@code growthFactor} (unless that overflows float32) and the tracker
   * zeroed.
   *
   * @param scale float32 one-element tensor, updated in place
   * @param growthTracker int32 one-element tensor, updated in place
   * @param skipped int64 one-element tensor, counts skipped steps
   * @param foundInf float32 one-element tensor, read
   * @param growthFactor above 1
   * @param backoffFactor in (0, 1)
   * @param growthInterval at least 1
   * @throws IllegalArgumentException when a tensor or factor is not as described, or they are not on one device
   */
  public static void ampUpdateScale(Tensor scale, Tensor growthTracker, Tensor skipped, Tensor foundInf,
      double growthFactor, double backoffFactor, long growthInterval) {
    Tensor[] all = {scale, growthTracker, skipped, foundInf};
    DType[] types = {DType.FLOAT32, DType.INT32, DType.INT64, DType.FLOAT32};
    String[] names = {"scale", "growth tracker", "skipped-step count", "found-inf flag"};
    for (int k = 0; k < all.length; k++) {
      Tensor t = all[k];
      if (t == null || t.isClosed() || t.dtype() != types[k] || t.numel() != 1 || t.device() != scale.device()) {
        throw new IllegalArgumentException("GradScaler.update: the " + names[k] + " must be an open " + types[k]
            + " one-element tensor on the scale's device, got " + (t == null ? "null" : t.describe()));
      }
    }
    NativeErrors.check(JdnnNative.amp_update_scale(scale.h(), growthTracker.h(), skipped.h(), foundInf.h(),
        growthFactor, backoffFactor, growthInterval));
  }


  // Parameters: non-empty, distinct, float, one dtype and device; each non-null state array one
  // tensor per parameter, matching it in dtype, device and element count.
  private static void groupLayout(String op, Tensor[] p, Tensor[][] states, String[] names) {
    if (p == null || p.length == 0) {
      throw new IllegalArgumentException(op + ": a parameter group needs at least one parameter, got none");
    }
    members(op, p, "parameter", true);
    if (states[0] == null) throw new IllegalArgumentException(op + ": no gradients given for the group's parameters");
    for (int j = 0; j < states.length; j++) {
      Tensor[] s = states[j];
      if (s == null) continue;
      perParameter(op, names[j] + "s", s.length, p.length);
      for (int k = 0; k < p.length; k++) {
        Tensor t = s[k];
        if (t == null || t.isClosed()) {
          throw new IllegalArgumentException(op + ": " + names[j] + " " + k + " is " + (t == null ? "null" : "closed")
              + "; every parameter of the group needs one");
        }
        if (t.dtype() != p[k].dtype() || t.device() != p[k].device() || t.numel() != p[k].numel()) {
          throw new IllegalArgumentException(op + ": " + names[j] + " " + k + " " + t.describe()
              + " does not match parameter " + k + " " + p[k].describe()
              + ": it needs the parameter's dtype, device and element count");
        }
      }
    }
  }

  private static void clipLayout(String op, Tensor[] grads) {
    if (grads == null || grads.length == 0) {
      throw new IllegalArgumentException(op + ": needs at least one gradient, got none");
    }
    members(op, grads, "gradient", false);
  }

  private static void members(String op, Tensor[] ts, String what, boolean oneDtype) {
    Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int k = 0; k < ts.length; k++) {
      Tensor t = ts[k];
      if (t == null || t.isClosed()) {
        throw new IllegalArgumentException(op + ": " + what + " " + k + " is " + (t == null ? "null" : "closed"));
      }
      t.requireFloat(op);
      if (t.device() != ts[0].device()) {
        throw new IllegalArgumentException(op + ": " + what + " " + k + " " + t.describe() + " is not on the device of "
            + what + " 0 " + ts[0].describe() + "; one call takes the tensors of one device: move them with"
            + " Tensor.to(device) or call once per device");
      }
      if (oneDtype && t.dtype() != ts[0].dtype()) {
        throw new IllegalArgumentException(op + ": " + what + " " + k + " " + t.describe() + " differs in dtype from "
            + what + " 0 " + ts[0].describe() + "; one call takes one dtype: call once per dtype (Optimizer.step does)");
      }
      if (!seen.add(t)) {
        throw new IllegalArgumentException(op + ": " + what + " " + k + " " + t.describe()
            + " appears more than once; list each tensor once");
      }
    }
  }

  private static void perParameter(String op, String what, int length, int params) {
    if (length != params) {
      throw new IllegalArgumentException(op + ": " + (length < 0 ? "no " + what : length + " " + what)
          + " for " + params + " parameters; give one per parameter");
    }
  }

  private static void checkSteps(String op, long[] steps, int params) {
    perParameter(op, "step counts", steps == null ? -1 : steps.length, params);
    for (int k = 0; k < params; k++) {
      if (steps[k] < 1) {
        throw new IllegalArgumentException(op + ": step count of parameter " + k + " must be >= 1, got " + steps[k]);
      }
    }
  }

  // null for null: a state the configuration does not keep
  private static long[] handles(Tensor[] ts) {
    if (ts == null) return null;
    long[] out = new long[ts.length];
    for (int k = 0; k < ts.length; k++) out[k] = ts[k].h();
    return out;
  }

  private static void sameLayout(String op, Tensor p, Tensor... states) {
    p.requireFloat(op);
    for (Tensor s : states) {
      Tensor.requireSameDevice(op, p, s);
      if (s != null && (p.dtype() != s.dtype() || p.numel() != s.numel())) {
        throw new IllegalArgumentException(op + ": " + s.describe() + " does not match parameter " + p.describe());
      }
    }
  }
}
