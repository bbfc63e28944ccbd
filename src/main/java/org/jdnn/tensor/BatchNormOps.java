package org.jdnn.tensor;

import static org.jdnn.tensor.OpChecks.handle;
import static org.jdnn.tensor.OpChecks.requireFloat;
import static org.jdnn.tensor.OpChecks.requireSameKind;

import org.jdnn.bridge.JdnnNative;

/**
 * Batch normalization with its gradient, PyTorch's conventions: normalizes with the biased batch
 * variance and keeps the unbiased one in its running estimate. org.jdnn.nn's BatchNorm builds on it.
 *
 * <p>Each op checks its arguments before any native code runs and throws an
 * {@link IllegalArgumentException} whose message starts with the {@code layer} name and gives the
 * expected and the actual values. Float32 and float64.
 */
public final class BatchNormOps {
  private BatchNormOps() {}

  /**
   * Batch normalization over channel dim 1 of {@code x}, rank 2 (N, C), 3 (N, C, L) or 4
   * (N, C, H, W): y = gamma (x - mean) / sqrt(var + eps) + beta, with {@code gamma} and
   * {@code beta} (C) or both null (affine = false).
   *
   * <p>Training: mean and biased variance of the batch (more than one value per channel needed);
   * {@code runningMean} and {@code runningVar} (C) are updated in place, running = (1 - momentum)
   * running + momentum batch, with the unbiased variance for runningVar (they may both be null in
   * training: no running statistics are kept). The backward goes through the batch statistics.
   * Eval: the running statistics normalize, and the backward is that of the affine map.
   *
   * @param input the input, float32 or float64
   * @param gamma the scale (C), or null
   * @param beta the shift (C), or null (null exactly when gamma is)
   * @param runningMean the running mean (C), updated in place in training; may be null in training
   * @param runningVar the running variance (C), updated in place in training; null exactly when
   *     runningMean is
   * @param training whether to normalize with the batch's statistics
   * @param momentum the weight of this batch in the running statistics, in [0, 1]
   * @param eps added to the variance, finite and &gt;= 0
   * @param layer the layer named first in error messages

   * @return a new tensor of x's shape, in the graph when x, gamma or beta requires a gradient
   * @throws IllegalArgumentException when a shape, dtype or device does not fit, a channel has a
   *     single value in training, or eval mode lacks running statistics
   */
  public static Tensor batchNorm(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      boolean training, double momentum, double eps, String layer) {
    Tensor x = Autocast.widenForFloat32(input);  // autocast: batch norm and its statistics in float32
    requireFloat(layer, x, "input");
    if (x.rank() < 2 || x.rank() > 4) {
      throw new IllegalArgumentException(layer + ": expected input of shape [N, C], [N, C, L] or [N, C, H, W], got "
          + x.describe());
    }
    long c = x.dim(1);
    if ((gamma == null) != (beta == null)) {
      throw new IllegalArgumentException(layer + ": gamma and beta must both be given (affine) or both be null, got "
          + (gamma == null ? "gamma null, beta " + beta.describe() : "gamma " + gamma.describe() + ", beta null"));
    }
    if ((runningMean == null) != (runningVar == null)) {
      throw new IllegalArgumentException(layer + ": running mean and running variance must both be given or both be null");
    }
    if (!training && runningMean == null) {
      throw new IllegalArgumentException(layer + ": eval mode needs the running mean and variance, got null");
    }
    requirePerChannel(layer, x, gamma, "weight (gamma)", c);
    requirePerChannel(layer, x, beta, "bias (beta)", c);
    requirePerChannel(layer, x, runningMean, "running mean", c);
    requirePerChannel(layer, x, runningVar, "running variance", c);
    if (!(eps >= 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException(layer + ": eps must be a finite value >= 0, got " + eps);
    }
    if (training && !(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException(layer + ": momentum must be in [0, 1], got " + momentum);
    }
    long perChannel = c == 0 ? 0 : x.numel() / c;
    if (training && c > 0 && perChannel <= 1) {
      throw new IllegalArgumentException(layer + ": expected more than 1 value per channel when training, got input "
          + x.describe() + " (" + perChannel + " value per channel)");
    }
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    Tensor mean = Tensor.empty(x.dtype(), x.device(), c);
    Tensor invstd = Tensor.empty(x.dtype(), x.device(), c);
    NativeErrors.check(JdnnNative.op_batch_norm(x.h(), handle(gamma), handle(beta), handle(runningMean), handle(runningVar), y.h(),
        mean.h(), invstd.h(), training, momentum, eps));
    Tensor[] inputs = gamma == null ? new Tensor[] {x} : new Tensor[] {x, gamma, beta};
    return Autograd.recordSaving(layer, y, new Tensor[] {mean, invstd}, g -> {
      Tensor dx = x.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), x.shapeRef()) : null;
      Tensor dg = gamma != null && gamma.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), c) : null;
      Tensor db = beta != null && beta.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), c) : null;
      if (dx != null || dg != null || db != null) {
        NativeErrors.check(JdnnNative.op_batch_norm_backward(x.h(), g.h(), handle(gamma), mean.h(), invstd.h(), handle(dx), handle(dg),
            handle(db), training, eps));
      }
      return gamma == null ? new Tensor[] {dx} : new Tensor[] {dx, dg, db};
    }, inputs);
  }

  private static void requirePerChannel(String layer, Tensor x, Tensor t, String what, long c) {
    if (t == null) return;
    if (t.rank() != 1 || t.dim(0) != c) {
      throw new IllegalArgumentException(layer + ": expected " + what + " of shape [" + c + "] for input "
          + x.describe() + ", got " + t.describe());
    }
    requireSameKind(layer, x, t, what);
  }
}
