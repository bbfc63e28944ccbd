package org.jdnn.loss;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * The class-index form shared by {@link CrossEntropyLoss} (with options) and {@link NLLLoss}: from
 * log-probabilities (N, C) and labels (N), each row's -sum_c m[i, c] logp[i, c], where m holds the
 * class weight at the label (scaled by 1 - label smoothing), plus the smoothing term spread over
 * every class, and zeros on ignored rows. Composed of differentiable tensor ops, so the gradient
 * reaches the log-probabilities through mul and sum; m is built on the labels' device from the
 * labels themselves (never copied to the host).
 */
final class ClassTargets {
  private ClassTargets() {}

  /** Argument checks of index targets against log-probabilities or logits (N, C). */
  static void check(String loss, Tensor scores, Tensor labels, Tensor weight) {
    Tensor.requireSameDevice(loss, scores, labels);
    if (scores.rank() != 2) {
      throw new IllegalArgumentException(loss + ": input must be [N, C] (a row of class scores per sample), got "
          + scores.describe());
    }
    if (!scores.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(loss + ": input must be float (float32 or float64), got " + scores.describe());
    }
    if (labels.dtype() != DType.INT32 && labels.dtype() != DType.INT64) {
      throw new IllegalArgumentException(loss + ": class labels must be int32 or int64, got " + labels.describe());
    }
    long n = scores.dim(0);
    if (labels.rank() != 1 || labels.dim(0) != n) {
      throw new IllegalArgumentException(loss + ": expected " + n + " labels (shape [" + n + "]) for input "
          + scores.describe() + ", got " + labels.describe());
    }
    checkWeight(loss, scores, weight);
  }

  /** A class-weight vector must be (C) of the input's dtype and device. */
  static void checkWeight(String loss, Tensor scores, Tensor weight) {
    if (weight == null) return;
    long c = scores.dim(scores.rank() - 1);
    if (weight.rank() != 1 || weight.dim(0) != c) {
      throw new IllegalArgumentException(loss + ": class weight must have one value per class, shape [" + c + "] for input "
          + scores.describe() + ", got " + weight.describe() + "; pass a weight of length " + c);
    }
    Tensor.requireSameDevice(loss, scores, weight);
    if (Checks.asComputed(weight.dtype()) != Checks.asComputed(scores.dtype())) {
      throw new IllegalArgumentException(loss + ": class weight dtype " + weight.dtype() + " must equal the input dtype "
          + scores.dtype() + "; convert it with weight.to(" + scores.dtype() + ")");
    }
  }

  /**
   * The per-row losses and the weight sum a mean divides by.
   *
   * @param logp log-probabilities (N, C), checked by {@link #check}
   * @param labels (N) int32/int64
   * @param weight (C) class weights, or null for 1 each
   * @param ignoreIndex rows with this label contribute 0 and are left out of the weight sum
   * @param smoothing label smoothing in [0, 1]
   * @return {per-row losses (N) in logp's dtype, the sum over non-ignored rows of weight[label] (a scalar of logp's dtype)}
   */
  static Tensor[] rows(String loss, Tensor logp, Tensor labels, Tensor weight, long ignoreIndex, double smoothing) {
    long n = logp.dim(0), c = logp.dim(1);
    // The mask arithmetic runs in float64, exact for every label below 2^53, whatever the input dtype.
    Tensor lab = labels.to(DType.FLOAT64).reshape(n, 1);
    // equal(a, b) = heaviside(-|a - b|, 1): 1 only where the difference is 0.
    Tensor valid = lab.sub(ignoreIndex).abs().neg().heaviside(1).neg().add(1);  // (N, 1): 0 on ignored rows
    Tensor w;
    if (weight == null) {
      w = Tensor.empty(DType.FLOAT64, logp.device(), c);
      MemoryOps.fill(w, 1);
    } else {
      w = weight.detach().to(DType.FLOAT64);
    }
    // weight[label] per row; ignored rows read class 0 and are then zeroed. The gather checks each
    // label against [0, C) as it reads it (on a GPU in its kernel), so a bad label fails without a host copy.
    Tensor safe = lab.mul(valid).reshape(n).to(labels.dtype());
    Tensor atLabel;
    try {
      atLabel = MemoryOps.gatherRows(w, safe);
    } catch (IndexOutOfBoundsException e) {
      throw new IndexOutOfBoundsException(loss + ": a class label is outside [0, " + c + ") and is not the ignore index "
          + ignoreIndex + " (" + e.getMessage() + "); labels are class numbers 0.." + (c - 1));
    }
    Tensor wy = atLabel.reshape(n, 1).mul(valid);  // (N, 1)
    double[] classes = new double[(int) c];
    for (int j = 0; j < c; j++) classes[j] = j;
    Tensor classRow = Tensor.empty(DType.FLOAT64, logp.device(), 1, c).write(classes);
    Tensor oneHot = lab.sub(classRow).abs().neg().heaviside(1);  // (N, C)
    Tensor m = oneHot.mul(wy);
    if (smoothing > 0) {
      // PyTorch's smoothing for index targets: (1 - s) * nll + s / C * (-sum_c w_c logp_c), ignored rows 0.
      m = m.mul(1 - smoothing).add(valid.mul(w.reshape(1, c)).mul(smoothing / c));
    }
    Tensor perRow = logp.mul(m.to(logp.dtype())).sum(1, false).neg();
    return new Tensor[] {perRow, wy.sum().to(logp.dtype())};
  }

  /** Reduces per-row losses; the mean divides by {@code weightSum} (the weights of the non-ignored rows). */
  static Tensor reduce(Reduction reduction, Tensor perRow, Tensor weightSum) {
    switch (reduction) {
      case NONE: return perRow;
      case SUM: return perRow.sum();
      default: return perRow.sum().div(weightSum);
    }
  }
}
