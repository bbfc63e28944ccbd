package org.jdnn.optim;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Gradient clipping, in place on the parameters' accumulated gradients, with
 * torch.nn.utils.clip_grad_norm_ / clip_grad_value_ semantics. Call between backward and
 * {@link Optimizer#step()}; parameters without a gradient are skipped. Clipping by norm runs on the
 * gradients' device as one multi-tensor reduction and one multi-tensor scaling; {@link
 * #byNormOnDevice} returns the norm as a device tensor and never waits for the device.
 */
public final class GradClip {
  /** Added to the total norm before dividing, as torch does, so a zero gradient stays finite. */
  public static final double EPS = 1e-6;

  private GradClip() {}

  /**
   * Scales all gradients together by maxNorm / (total + 1e-6) when that is below 1, where total
   * is the L2 norm of all gradients seen as one vector; returns total (before clipping). As in
   * torch with error_if_nonfinite=False, a NaN or infinite total is returned and the gradients are
   * multiplied by the resulting NaN or 0 coefficient. The norm and the scaling are computed on the
   * gradients' device ({@link #byNormOnDevice}); returning the total as a double reads it back, so
   * on a GPU this waits once for the device. Use {@link #byNormOnDevice} in a training step that
   * must not wait.
   *
   * @param params the parameters whose gradients to clip, e.g. {@code model.parameters()}
   * @param maxNorm the largest allowed total L2 norm, finite and at least 0
   * @return the total L2 norm of the gradients before clipping (0 when none has a gradient)
   * @throws IllegalArgumentException when {@code maxNorm} is negative, infinite or NaN
   */
  public static double byNorm(List<Tensor> params, double maxNorm) {
    return byNorm(params, maxNorm, false);
  }

  /**
   * As {@link #byNorm(List, double)}; with {@code errorIfNonfinite}, a NaN or infinite total throws
   * instead. Gradients on several devices are clipped together too (their norms are then read back
   * one by one, as this method did before clipping moved to the device).
   *
   * @param params the parameters whose gradients to clip
   * @param maxNorm the largest allowed total L2 norm, finite and at least 0
   * @param errorIfNonfinite whether a NaN or infinite total throws, leaving the gradients unchanged
   * @return the total L2 norm of the gradients before clipping
   * @throws IllegalArgumentException when {@code maxNorm} is negative, infinite or NaN
   * @throws IllegalStateException when {@code errorIfNonfinite} is set and the total is NaN or
   *     infinite
   */
  public static double byNorm(List<Tensor> params, double maxNorm, boolean errorIfNonfinite) {
    Optimizer.checkNonNegative("GradClip.byNorm", "maxNorm", maxNorm);
    Tensor[] grads = gradients(params);
    if (grads.length == 0) return 0;
    if (!oneDevice(grads)) return byNormAcrossDevices(grads, maxNorm, errorIfNonfinite);
    try (Tensor total = Tensor.empty(DType.FLOAT64, grads[0].device());
        Tensor coef = Tensor.empty(DType.FLOAT64, grads[0].device())) {
      OptimOps.gradNorm(grads, total, coef, maxNorm, EPS);
      double norm = total.item();
      if (errorIfNonfinite && !Double.isFinite(norm)) {
        throw new IllegalStateException("GradClip.byNorm: the total gradient norm is " + norm
            + "; gradients were left unchanged");
      }
      OptimOps.scaleGroup(grads, coef);
      return norm;
    }
  }

  /**
   * torch.nn.utils.clip_grad_norm_ without a host read: the total L2 norm of all gradients (seen as
   * one vector, accumulated in float64) and the factor min(1, maxNorm / (total + 1e-6)) are
   * computed on the gradients' device, and the gradients are multiplied by that factor there, in
   * one multi-tensor reduction and one multi-tensor scaling (on CUDA: a reduction and a scaling
   * launch per kernel-argument table of gradients of one dtype, plus one launch forming the
   * factor, so three for up to about a hundred float32 gradients; no wait, no copy). A NaN total makes the factor NaN and an infinite one 0, as in torch with
   * error_if_nonfinite=False; checking the total needs a read, so that option is {@link
   * #byNorm(List, double, boolean)}'s.
   *
   * <p>Returns the total as a tensor, as torch does; it is float64 (torch's has the gradients'
   * dtype) so that reading it gives the exact value {@link #byNorm(List, double)} returns.
   *
   * @param params the parameters whose gradients to clip; their gradients must share one device
   * @param maxNorm the largest allowed total L2 norm, finite and at least 0
   * @return the total L2 norm before clipping, a float64 one-element (0-dimensional) tensor on the
   *     gradients' device, in the current scope; 0 on the first parameter's device (the default
   *     device for an empty list) when no parameter has a gradient
   * @throws IllegalArgumentException when {@code maxNorm} is negative, infinite or NaN, or the
   *     gradients live on several devices
   */
  public static Tensor byNormOnDevice(List<Tensor> params, double maxNorm) {
    Optimizer.checkNonNegative("GradClip.byNormOnDevice", "maxNorm", maxNorm);
    Tensor[] grads = gradients(params);
    if (grads.length == 0) {
      Device device = params.isEmpty() ? Device.defaultDevice() : params.get(0).device();
      Tensor zero = Tensor.empty(DType.FLOAT64, device);
      MemoryOps.fill(zero, 0);
      return zero;
    }
    if (!oneDevice(grads)) {
      throw new IllegalArgumentException("GradClip.byNormOnDevice: gradients on " + grads[0].device() + " and "
          + otherDevice(grads) + "; clip each device's parameters separately, or use byNorm, which reads the norms back");
    }
    Tensor total = Tensor.empty(DType.FLOAT64, grads[0].device());
    try (Tensor coef = Tensor.empty(DType.FLOAT64, grads[0].device())) {
      OptimOps.gradNorm(grads, total, coef, maxNorm, EPS);
      OptimOps.scaleGroup(grads, coef);
    } catch (RuntimeException e) {
      total.close();
      throw e;
    }
    return total;
  }

  private static Tensor[] gradients(List<Tensor> params) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor p : params) if (p.grad() != null) out.add(p.grad());
    return out.toArray(new Tensor[0]);
  }

  private static boolean oneDevice(Tensor[] grads) {
    return otherDevice(grads) == null;
  }

  private static Device otherDevice(Tensor[] grads) {
    for (Tensor g : grads) if (g.device() != grads[0].device()) return g.device();
    return null;
  }

  // Gradients on several devices: each one's sum of squares read back and added on the host.
  private static double byNormAcrossDevices(Tensor[] grads, double maxNorm, boolean errorIfNonfinite) {
    double sumSquares = 0;
    try (TensorScope scope = new TensorScope()) {
      for (Tensor g : grads) sumSquares += g.square().sum().item();
    }
    double total = Math.sqrt(sumSquares);
    if (errorIfNonfinite && !Double.isFinite(total)) {
      throw new IllegalStateException("GradClip.byNorm: the total gradient norm is " + total
          + "; gradients were left unchanged");
    }
    double coef = maxNorm / (total + EPS);
    if (!(coef >= 1)) {
      for (Tensor g : grads) OptimOps.scale(g, coef);
    }
    return total;
  }

  /**
   * Clamps every gradient element to [-clipValue, clipValue], in place (NaN stays NaN).
   *
   * @param params the parameters whose gradients to clip
   * @param clipValue the largest allowed magnitude, finite and at least 0
   * @throws IllegalArgumentException when {@code clipValue} is negative, infinite or NaN
   */
  public static void byValue(List<Tensor> params, double clipValue) {

    Optimizer.checkNonNegative("GradClip.byValue", "clipValue", clipValue);
    for (Tensor p : params) if (p.grad() != null) OptimOps.clipValue(p.grad(), clipValue);
  }
}
