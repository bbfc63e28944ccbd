package org.jdnn.loss;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.Tensor;

/**
 * Softmax cross-entropy from logits (N, C), averaged over the batch, as PyTorch's
 * CrossEntropyLoss. The target is either class indices (N) of dtype int32/int64 in [0, C), or a
 * float (N, C) distribution per row (one-hot or soft labels). Softmax is fused in and computed
 * with the row maximum subtracted, so logits of 1e4 give exact, finite losses.
 */
public final class CrossEntropyLoss implements Loss {
  /** The batch-mean softmax cross-entropy (the only reduction this loss offers). */
  public CrossEntropyLoss() {}

  /**
   * {@inheritDoc}
   *
   * @param logits raw class scores (N, C), float32 or float64
   * @param target class indices (N), int32 or int64, each in [0, C); or a float (N, C) tensor of
   *     the logits' dtype holding one distribution per row
   * @return a new scalar: the mean over the N rows of -sum_c t_c log softmax(x)_c
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit either form of
   *     target
   * @throws IndexOutOfBoundsException when a class index is outside [0, C); the op checks the
   *     labels as it reads them (no host copy), and the message names the first bad row and value.
   *     On a GPU the check is recorded on the device and raised at the next synchronization (a
   *     read of any tensor, {@link org.jdnn.tensor.Device#checkErrors()}), not by this call

   */
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    Tensor.requireSameDevice("CrossEntropyLoss", logits, target);
    if (target.dtype() == DType.INT32 || target.dtype() == DType.INT64) {
      return LossOps.crossEntropy(logits, target, "CrossEntropyLoss");
    }
    if (logits.rank() != 2 || !Arrays.equals(logits.shape(), target.shape())) {
      throw new IllegalArgumentException("CrossEntropyLoss: with probability targets, logits [N, C] and target must "
          + "have the same shape, got " + logits.describe() + " and " + target.describe());
    }
    if (Checks.asComputed(target.dtype()) != Checks.asComputed(logits.dtype())) {
      throw new IllegalArgumentException("CrossEntropyLoss: target dtype " + target.dtype() + " must equal logits dtype "
          + logits.dtype() + " (or be int32/int64 class labels)");
    }
    // -sum_c t log softmax(x) per row, averaged over rows.
    return logits.logSoftmax().mul(target).sum().mul(-1.0 / logits.dim(0));
  }
}
