package org.jdnn.train;

import org.jdnn.optim.GradClip;
import org.jdnn.optim.GradScaler;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.Tensor;

/**
 * Gradient clipping for {@link Trainer#gradientClipping}: applied to the optimizer's gradients
 * after backward and before the optimizer's step, every training step. By norm it is
 * {@link GradClip#byNormOnDevice} (torch's clip_grad_norm_: all gradients scaled together, no host
 * wait); by value, {@link GradClip#byValue} (clip_grad_value_). With mixed precision's loss scaling
 * the gradients are unscaled first, so the limit applies to the true gradients, as torch's AMP
 * recipe does.
 *
 * <pre>{@code
 * trainer.gradientClipping(GradientClipping.byNorm(1.0));
 * }</pre>
 */
public final class GradientClipping {
  private final boolean byNorm;
  private final double limit;

  private GradientClipping(boolean byNorm, double limit) {
    this.byNorm = byNorm;
    this.limit = limit;
  }

  /**
   * Scales all gradients together so that their total L2 norm is at most {@code maxNorm}.
   *
   * @param maxNorm the largest total norm, finite and positive
   * @return the clipping
   * @throws IllegalArgumentException when {@code maxNorm} is not finite and positive
   */
  public static GradientClipping byNorm(double maxNorm) {
    return new GradientClipping(true, positive("byNorm", "maxNorm", maxNorm));
  }

  /**
   * Clamps every gradient element to [-clipValue, clipValue].
   *
   * @param clipValue the largest magnitude, finite and positive
   * @return the clipping
   * @throws IllegalArgumentException when {@code clipValue} is not finite and positive
   */
  public static GradientClipping byValue(double clipValue) {
    return new GradientClipping(false, positive("byValue", "clipValue", clipValue));
  }

  private static double positive(String method, String name, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException("GradientClipping." + method + ": " + name + " must be finite and > 0, got " + v
          + "; to train without clipping, do not set one");
    }
    return v;
  }

  /**
   * One step's second half with clipping: backward, unscale (with a scaler), clip, step.
   *
   * @param scaler the loss scaler, or null
   * @param loss the step's loss
   * @param optimizer the optimizer to step
   */
  void backwardClipAndStep(GradScaler scaler, Tensor loss, Optimizer optimizer) {
    if (scaler == null) {
      loss.backward();
      clip(optimizer);
      optimizer.step();
      return;
    }
    scaler.scale(loss).backward();
    scaler.unscale(optimizer);
    clip(optimizer);
    scaler.step(optimizer);
    scaler.update();
  }

  /**
   * Clips the optimizer's gradients in place.
   *
   * @param optimizer whose parameters' gradients to clip
   */
  void clip(Optimizer optimizer) {
    if (byNorm) GradClip.byNormOnDevice(optimizer.parameters(), limit).close();
    else GradClip.byValue(optimizer.parameters(), limit);
  }

  @Override
  public String toString() {
    return byNorm ? "gradient norm clipped to " + limit : "gradient values clipped to " + limit;
  }
}
