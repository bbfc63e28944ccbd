package org.jdnn.tensor;

/**
 * Per-element losses l(x, t) computed by {@link LossOps#pointLoss}, in the order of
 * native/include/jdnn/ops.def's JDNN_POINT_LOSSES: the ordinal is the native code.
 */
public enum PointLoss {
  /** PyTorch's BCELoss on probabilities x and targets t, both in [0, 1]. */
  BCE_PROBABILITIES,
  /** PyTorch's BCEWithLogitsLoss on raw scores x, stable for any magnitude. */
  BCE_LOGITS
}
