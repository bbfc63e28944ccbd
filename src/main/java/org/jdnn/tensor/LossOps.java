package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/** Fused loss kernels with their gradients; org.jdnn.loss builds the user-facing losses on these. */
public final class LossOps {
  private LossOps() {}

  /**
   * Mean softmax cross-entropy of {@code logits} (N, C) against integer class {@code labels} (N),
   * int32 or int64, each in [0, C). Stable for logits of any magnitude.
   *
   * @param input raw scores (N, C), float32 or float64 (16-bit under autocast: widened)
   * @param labelsIn class indices (N), int32 or int64, on the logits' device
   * @param lossName the loss named first in error messages
   * @return a new scalar of the logits' dtype, in the graph when the logits require a gradient (the
   *     softmax probabilities are kept for the backward)
   * @throws IllegalArgumentException when the logits are not a float (N, C) tensor or the labels
   *     are not (N) int32/int64 on the same device
   * @throws IndexOutOfBoundsException for a label outside [0, C), naming the first one's row and value
   *     (on a GPU at the next synchronization, see {@link Device#checkErrors()})
   */
  public static Tensor crossEntropy(Tensor input, Tensor labelsIn, String lossName) {
    Tensor logits = Autocast.widenForFloat32(input);  // autocast: losses in float32
    Tensor labels = Autocast.widenForFloat32(labelsIn);
    logits.requireFloat(lossName);
    if (logits.rank() != 2) {
      throw new IllegalArgumentException(lossName + ": logits must be [N, C], got " + logits.describe());
    }
    if (labels.dtype() != DType.INT32 && labels.dtype() != DType.INT64) {
      throw new IllegalArgumentException(lossName + ": class labels must be int32 or int64, got " + labels.describe());
    }
    Tensor.requireSameDevice(lossName, logits, labels);
    long n = logits.dim(0), c = logits.dim(1);
    if (labels.rank() != 1 || labels.dim(0) != n) {
      throw new IllegalArgumentException(lossName + ": expected " + n + " labels (shape [" + n + "]) for logits "
          + logits.describe() + ", got " + labels.describe());
    }
    // The op checks every label as it reads it (on a GPU in the same kernel, which records a bad one
    // on the device for the next synchronization), so the labels are never copied to the host; a bad
    // one fails as an index error naming its row and value.
    Tensor loss = Tensor.empty(logits.dtype(), logits.device());
    Tensor probs = Tensor.empty(logits.dtype(), logits.device(), n, c);
    int status = JdnnNative.op_cross_entropy(logits.h(), labels.h(), loss.h(), probs.h());
    if (status != 0) {
      RuntimeException failure = NativeErrors.exception(status, lossName);
      loss.close();
      probs.close();
      throw failure;
    }
    Autograd.recordSaving(lossName, loss, new Tensor[] {probs}, g -> {
      Tensor d = Tensor.empty(logits.dtype(), logits.device(), n, c);
      // g null: loss.backward() without a gradient, dloss = 1 (the op's handle 0), no tensor of ones.
      NativeErrors.check(JdnnNative.op_cross_entropy_backward(probs.h(), labels.h(), g == null ? 0 : g.h(), d.h()));
      return new Tensor[] {d};
    }, logits);
    if (loss.gradFn != null) loss.gradFn.takesNullAsOnes = true;
    return loss;
  }

  /**
   * Element-wise loss l(x, t) (same shapes), unreduced; its gradient flows to x only. BCE on probabilities
   * throws where x or t is outside [0, 1] (NaN included), as PyTorch's BCELoss does.
   *
   * @param op which loss
   * @param input the predictions, float32 or float64 (16-bit under autocast: widened)
   * @param targetIn the targets, the predictions' shape, dtype and device
   * @param lossName the loss named first in error messages
   * @return a new tensor of x's shape, in the graph when x requires a gradient
   * @throws IllegalArgumentException when the tensors do not match or are not float, or a BCE
   *     probability or target is outside [0, 1] (naming the first such index; on a GPU the kernel
   *     records it and the next synchronization raises it)
   */
  public static Tensor pointLoss(PointLoss op, Tensor input, Tensor targetIn, String lossName) {
    Tensor x = Autocast.widenForFloat32(input);  // autocast: losses in float32
    Tensor target = Autocast.widenForFloat32(targetIn);
    x.requireFloat(lossName);
    target.requireFloat(lossName);
    Tensor.requireSameDevice(lossName, x, target);
    if (!Arrays.equals(x.shapeRef(), target.shapeRef())) {
      throw new IllegalArgumentException(lossName + ": input " + x.describe() + " and target " + target.describe()
          + " must have the same shape");
    }
    if (x.dtype() != target.dtype()) {
      throw new IllegalArgumentException(lossName + ": target dtype " + target.dtype() + " differs from input "
          + x.dtype());
    }
    Tensor out = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    long bad = JdnnNative.op_point_loss(op.ordinal(), x.h(), target.h(), out.h());
    if (bad == -2) {
      RuntimeException failure = NativeErrors.exception(JdnnNative.last_error_kind(), lossName);
      out.close();
      throw failure;
    }
    if (bad >= 0) {
      out.close();
      throw outsideProbabilities(lossName, x, target, bad);
    }
    return Autograd.record(lossName, out, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_point_loss_backward(op.ordinal(), x.h(), target.h(), g.h(), dx.h()));
      return new Tensor[] {dx};
    }, x);
  }

  /** The one domain a point loss has: BCE's probabilities. Names the first offending element and the fix. */
  private static IllegalArgumentException outsideProbabilities(String lossName, Tensor x, Tensor target, long at) {
    double p = x.getDouble(at);
    if (p >= 0 && p <= 1) {
      return new IllegalArgumentException(lossName + ": target " + target.getDouble(at) + " at index " + at
          + " is not in [0, 1]: targets are probabilities (0 or 1 for hard labels)");
    }
    return new IllegalArgumentException(lossName + ": input " + p + " at index " + at + " is not a probability in "
        + "[0, 1]: " + lossName + " takes probabilities (apply sigmoid first); for raw scores (logits) use "
        + "BCEWithLogitsLoss, which is also exact for large logits");
  }
}
