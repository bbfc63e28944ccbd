package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/** Fused loss kernels with their gradients; org.jdnn.loss builds the user-facing losses on these. */
public final class LossOps {
  /** Per-element loss codes (native PointLossCode). */
  public static final int BCE_PROBABILITIES = 0, BCE_LOGITS = 1;

  private LossOps() {}

  /**
   * Mean softmax cross-entropy of {@code logits} (N, C) against integer class {@code labels} (N),
   * int32 or int64, each in [0, C). Stable for logits of any magnitude.
   */
  public static Tensor crossEntropy(Tensor logits, Tensor labels, String lossName) {
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
    // CPU labels are checked here; labels on a GPU are checked by the op itself, in the same pass
    // that computes the loss, instead of copying them to the host first (a second wait per step).
    if (!labels.device().isCuda()) checkLabelRange(lossName, labels, c);
    Tensor loss = Tensor.empty(logits.dtype(), logits.device());
    Tensor probs = Tensor.empty(logits.dtype(), logits.device(), n, c);
    try {
      JdnnNative.op_cross_entropy(logits.h(), labels.h(), loss.h(), probs.h());
    } catch (RuntimeException e) {
      String m = e.getMessage();
      if (m != null && m.startsWith(NATIVE_LABEL_ERROR)) {
        loss.close();
        probs.close();
        // Worded as the host-side check words it, so the message does not depend on the device.
        String what = m.substring(NATIVE_LABEL_ERROR.length()).replace(" at row ", " at index ");
        throw new IllegalArgumentException(lossName + ": label " + what + " for " + c + " classes");
      }
      throw e;
    }
    return Autograd.recordSaving(lossName, loss, new Tensor[] {probs}, g -> {
      Tensor d = Tensor.empty(logits.dtype(), logits.device(), n, c);
      JdnnNative.op_cross_entropy_backward(probs.h(), labels.h(), g.h(), d.h());
      return new Tensor[] {d};
    }, logits);
  }

  /** How the native op reports a label outside [0, C): "cross_entropy: label 5 at row 1 is outside [0, 3)". */
  private static final String NATIVE_LABEL_ERROR = "cross_entropy: label ";

  private static void checkLabelRange(String lossName, Tensor labels, long classes) {
    long[] values = labels.dtype() == DType.INT64 ? labels.toLongArray() : toLongs(labels.toIntArray());
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] >= classes) {
        throw new IllegalArgumentException(lossName + ": label " + values[i] + " at index " + i
            + " is outside [0, " + classes + ") for " + classes + " classes");
      }
    }
  }

  private static long[] toLongs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i];
    return out;
  }

  /**
   * Element-wise loss l(x, t) (same shapes), unreduced; its gradient flows to x only. BCE on probabilities
   * throws where x or t is outside [0, 1] (NaN included), as PyTorch's BCELoss does.
   */
  public static Tensor pointLoss(int op, Tensor x, Tensor target, String lossName) {
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
    long bad = JdnnNative.op_point_loss(op, x.h(), target.h(), out.h());
    if (bad >= 0) {
      out.close();
      throw outsideProbabilities(lossName, x, target, bad);
    }
    return Autograd.record(lossName, out, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      JdnnNative.op_point_loss_backward(op, x.h(), target.h(), g.h(), dx.h());
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
