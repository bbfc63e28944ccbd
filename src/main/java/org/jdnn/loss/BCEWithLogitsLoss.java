package org.jdnn.loss;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.PointLoss;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Binary cross-entropy on logits, sigmoid fused in: max(x, 0) - x t + log(1 + e^-|x|), which is
 * exact and finite for logits of any size. Use it instead of a Sigmoid layer followed by
 * {@link BCELoss}.
 *
 * <p>With {@code posWeight} p (a (C) vector broadcast over the last dimension, as PyTorch's
 * pos_weight), positives weigh p: {@code -[p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]}, i.e.
 * {@code (1 - t) x + (1 + (p - 1) t) softplus(-x)}, still exact for large logits.
 */
public final class BCEWithLogitsLoss implements Loss {
  private final Reduction reduction;
  private final Tensor posWeight;

  /** The mean binary cross-entropy over logits. */
  public BCEWithLogitsLoss() {
    this(Reduction.MEAN);
  }

  /**
   * Binary cross-entropies over logits, combined as {@code reduction} says.
   *
   * @param reduction mean, sum, or none (one loss per element)
   */
  public BCEWithLogitsLoss(Reduction reduction) {
    this.reduction = reduction;
    this.posWeight = null;
  }

  /**
   * Binary cross-entropies over logits with positives weighted by class, combined as {@code reduction} says.
   *
   * @param reduction mean, sum, or none (one loss per element)
   * @param posWeight the weight of a positive target per class: a (C) float tensor, C the logits'
   *     last dimension, of their dtype and device; held (not copied or closed) by the loss, so it
   *     must stay open while the loss is used; it receives no gradient
   * @throws IllegalArgumentException when reduction is null or posWeight is not a 1-D float tensor
   */
  public BCEWithLogitsLoss(Reduction reduction, Tensor posWeight) {
    if (reduction == null) {
      throw new IllegalArgumentException("BCEWithLogitsLoss: reduction must be MEAN, SUM or NONE, got null");
    }
    if (posWeight == null || posWeight.rank() != 1 || !posWeight.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("BCEWithLogitsLoss: pos_weight must be a 1-D float tensor with one value per "
          + "class (the logits' last dimension), got " + (posWeight == null ? "null" : posWeight.describe())
          + "; use new BCEWithLogitsLoss(reduction) for none");
    }
    this.reduction = reduction;
    this.posWeight = posWeight;
  }

  /**
   * {@inheritDoc}
   *
   * @param logits raw scores of any magnitude, float32 or float64
   * @param target probabilities (0 or 1 for hard labels), same shape and dtype; they are not
   *     range-checked, as in PyTorch
   * @throws IllegalArgumentException when shapes, dtypes or devices differ, either tensor is not
   *     float32 or float64, or pos_weight's length is not the logits' last dimension
   */
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    Checks.sameShape("BCEWithLogitsLoss", logits, target);
    return TensorScope.composed(() -> {
      Tensor loss = LossOps.pointLoss(PointLoss.BCE_LOGITS, logits, target, "BCEWithLogitsLoss");
      if (posWeight != null) loss = loss.add(positiveExtra(logits, target, loss));
      return reduction.apply(loss);
    });
  }

  /**
   * What pos_weight adds to the unweighted loss: (p - 1) t softplus(-x). softplus(-x) is the fused
   * loss against a target of 1 (max(x, 0) - x + log(1 + e^-|x|)), exact for any logit.
   */
  private Tensor positiveExtra(Tensor logits, Tensor target, Tensor unweighted) {
    long[] shape = logits.shape();
    long c = shape.length == 0 ? 1 : shape[shape.length - 1];
    if (shape.length == 0 || posWeight.dim(0) != c) {
      throw new IllegalArgumentException("BCEWithLogitsLoss: pos_weight must have one value per class, shape [" + c
          + "] for logits " + logits.describe() + " (broadcast over the last dimension), got " + posWeight.describe()
          + (shape.length == 0 ? "; scalar logits have no class dimension" : "; pass a pos_weight of length " + c));
    }
    Tensor.requireSameDevice("BCEWithLogitsLoss", logits, posWeight);
    if (Checks.asComputed(posWeight.dtype()) != Checks.asComputed(logits.dtype())) {
      throw new IllegalArgumentException("BCEWithLogitsLoss: pos_weight dtype " + posWeight.dtype()
          + " must equal the logits dtype " + logits.dtype() + "; convert it with posWeight.to(" + logits.dtype() + ")");
    }
    DType dt = unweighted.dtype();  // float32 under autocast, where 16-bit inputs are widened
    Tensor ones = Tensor.empty(dt, logits.device(), shape);
    MemoryOps.fill(ones, 1);
    Tensor softplusNeg = LossOps.pointLoss(PointLoss.BCE_LOGITS, logits, ones, "BCEWithLogitsLoss");
    Tensor t = target.detach();
    if (t.dtype() != dt) t = t.to(dt);
    Tensor p = posWeight.detach();
    if (p.dtype() != dt) p = p.to(dt);
    return softplusNeg.mul(t.mul(p.sub(1)));
  }
}
