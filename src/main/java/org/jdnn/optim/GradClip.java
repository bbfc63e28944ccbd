package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Gradient clipping, in place on the parameters' accumulated gradients, with
 * torch.nn.utils.clip_grad_norm_ / clip_grad_value_ semantics. Call between backward and
 * {@link Optimizer#step()}; parameters without a gradient are skipped.
 */
public final class GradClip {
  /** Added to the total norm before dividing, as torch does, so a zero gradient stays finite. */
  public static final double EPS = 1e-6;

  private GradClip() {}

  /**
   * Scales all gradients together by maxNorm / (total + 1e-6) when that is below 1, where total
   * is the L2 norm of all gradients seen as one vector; returns total (before clipping). As in
   * torch with error_if_nonfinite=False, a NaN or infinite total is returned and the gradients are
   * multiplied by the resulting NaN or 0 coefficient. Each gradient's sum of squares is read back
   * to the host (on a GPU, one wait per parameter).
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
   * instead.
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
    double sumSquares = 0;
    try (TensorScope scope = new TensorScope()) {
      for (Tensor p : params) {
        Tensor g = p.grad();
        if (g != null) sumSquares += g.square().sum().item();
      }
    }
    double total = Math.sqrt(sumSquares);
    if (errorIfNonfinite && !Double.isFinite(total)) {
      throw new IllegalStateException("GradClip.byNorm: the total gradient norm is " + total
          + "; gradients were left unchanged");
    }
    double coef = maxNorm / (total + EPS);
    if (!(coef >= 1)) {
      for (Tensor p : params) if (p.grad() != null) OptimOps.scale(p.grad(), coef);
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
