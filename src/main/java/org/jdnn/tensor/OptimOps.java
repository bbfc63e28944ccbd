package org.jdnn.tensor;

import static org.jdnn.tensor.OpChecks.handle;

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
