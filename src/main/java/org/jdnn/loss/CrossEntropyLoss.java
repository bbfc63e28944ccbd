package org.jdnn.loss;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Softmax cross-entropy from logits (N, C), as PyTorch's CrossEntropyLoss. The target is either
 * class indices (N) of dtype int32/int64 in [0, C), or a float (N, C) distribution per row (one-hot
 * or soft labels). Softmax is fused in and computed with the row maximum subtracted, so logits of
 * 1e4 give exact, finite losses.
 *
 * <p>{@code new CrossEntropyLoss()} is the batch mean through one fused kernel. PyTorch's options
 * come from the builder, each optional:
 *
 * <pre>{@code
 * Loss loss = CrossEntropyLoss.builder()
 *     .labelSmoothing(0.1)          // in [0, 1]
 *     .weight(classWeights)         // (C), the logits' dtype and device
 *     .ignoreIndex(0)               // default -100, as PyTorch
 *     .reduction(Reduction.SUM)     // default MEAN
 *     .build();
 * }</pre>
 *
 * <p>With index targets y, weights w (1 each when none), smoothing s and C classes, row i's loss is
 * {@code (1 - s) w[y_i] (-log p_i[y_i]) + (s / C) sum_c w_c (-log p_i[c])}, and 0 where
 * {@code y_i} is the ignore index; the mean divides the sum by {@code sum_i w[y_i]} over the
 * non-ignored rows (all rows ignored: NaN, as PyTorch). With probability targets t, row i's loss is
 * {@code -sum_c w_c t'_ic log p_i[c]} with {@code t' = (1 - s) t + s / C}, the mean divides by N,
 * and there is no ignore index (as in PyTorch).
 *
 * <p>Where jdnn differs: {@code new CrossEntropyLoss()} has no ignore index (a label of -100 is an
 * error there, not an ignored row); a built loss ignores -100 unless told otherwise. Inputs of more
 * than two dimensions (N, C, d1, ...) are not taken: reshape them to (N d1 ..., C) first.
 */
public final class CrossEntropyLoss implements Loss {
  /** PyTorch's default ignore index. */
  public static final long DEFAULT_IGNORE_INDEX = -100;

  private final boolean fused;
  private final double labelSmoothing;
  private final Tensor weight;
  private final long ignoreIndex;
  private final Reduction reduction;

  /** The batch-mean softmax cross-entropy through the fused kernel, without options. */
  public CrossEntropyLoss() {
    this(true, 0, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  private CrossEntropyLoss(boolean fused, double labelSmoothing, Tensor weight, long ignoreIndex, Reduction reduction) {
    this.fused = fused;
    this.labelSmoothing = labelSmoothing;
    this.weight = weight;
    this.ignoreIndex = ignoreIndex;
    this.reduction = reduction;
  }

  /**
   * A builder for a cross-entropy with PyTorch's options; each setter may be left out.
   *
   * @return a new builder holding PyTorch's defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The options of a {@link CrossEntropyLoss}, PyTorch's defaults until set. */
  public static final class Builder {
    private double labelSmoothing;
    private Tensor weight;
    private long ignoreIndex = DEFAULT_IGNORE_INDEX;
    private Reduction reduction = Reduction.MEAN;

    private Builder() {}

    /**
     * Label smoothing: the target mixes the true distribution with the uniform one, weight {@code s}.
     *
     * @param s in [0, 1] (0: none, the default)
     * @return this builder
     * @throws IllegalArgumentException when s is outside [0, 1] or NaN
     */
    public Builder labelSmoothing(double s) {
      if (!(s >= 0 && s <= 1)) {
        throw new IllegalArgumentException("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + s
            + " (0 turns smoothing off, 0.1 is common)");
      }
      this.labelSmoothing = s;
      return this;
    }

    /**
     * Class weights: a (C) tensor of the logits' dtype and device, held (not copied or closed) by the
     * loss, so it must stay open while the loss is used; it receives no gradient.
     *
     * @param w the weights, or null for 1 each (the default)
     * @return this builder
     * @throws IllegalArgumentException when w is not a 1-D float tensor
     */
    public Builder weight(Tensor w) {
      if (w != null && (w.rank() != 1 || !w.dtype().isFloatingPoint())) {
        throw new IllegalArgumentException("CrossEntropyLoss: class weight must be a 1-D float tensor with one value "
            + "per class, got " + w.describe());
      }
      this.weight = w;
      return this;
    }

    /**
     * Rows whose label is {@code index} contribute 0 and are left out of the mean (index targets only).
     *
     * @param index the label to ignore (default -100)
     * @return this builder
     */
    public Builder ignoreIndex(long index) {
      this.ignoreIndex = index;
      return this;
    }

    /**
     * How the per-row losses combine.
     *
     * @param r mean (default), sum, or none (one loss per row, shape (N))
     * @return this builder
     * @throws IllegalArgumentException when r is null
     */
    public Builder reduction(Reduction r) {
      if (r == null) throw new IllegalArgumentException("CrossEntropyLoss: reduction must be MEAN, SUM or NONE, got null");
      this.reduction = r;
      return this;
    }

    /**
     * The loss with these options.
     *
     * @return a new loss; later changes to this builder do not affect it
     */
    public CrossEntropyLoss build() {
      return new CrossEntropyLoss(false, labelSmoothing, weight, ignoreIndex, reduction);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @param logits raw class scores (N, C), float32 or float64
   * @param target class indices (N), int32 or int64, each in [0, C) or the ignore index; or a float
   *     (N, C) tensor of the logits' dtype holding one distribution per row
   * @return a new tensor: a scalar for the mean or sum, the (N) per-row losses for {@link Reduction#NONE}
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit either form of
   *     target, or the class weight is not (C) of the logits' dtype and device
   * @throws IndexOutOfBoundsException when a class index is outside [0, C) (and is not the ignore
   *     index); the op checks the labels as it reads them (no host copy). On a GPU the check is
   *     recorded on the device and raised at the next synchronization (a read of any tensor,
   *     {@link org.jdnn.tensor.Device#checkErrors()}), not by this call
   */
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    return TensorScope.composed(() -> composedLoss(logits, target));  // no intermediate left outside a scope
  }

  private Tensor composedLoss(Tensor logits, Tensor target) {
    Tensor.requireSameDevice("CrossEntropyLoss", logits, target);
    if (target.dtype() == DType.INT32 || target.dtype() == DType.INT64) {
      if (fused) return LossOps.crossEntropy(logits, target, "CrossEntropyLoss");
      ClassTargets.check("CrossEntropyLoss", logits, target, weight);
      Tensor[] rows = ClassTargets.rows("CrossEntropyLoss", logits.logSoftmax(), target, weight, ignoreIndex,
          labelSmoothing);
      return ClassTargets.reduce(reduction, rows[0], rows[1]);
    }
    if (logits.rank() != 2 || !Arrays.equals(logits.shape(), target.shape())) {
      throw new IllegalArgumentException("CrossEntropyLoss: with probability targets, logits [N, C] and target must "
          + "have the same shape, got " + logits.describe() + " and " + target.describe());
    }
    if (Checks.asComputed(target.dtype()) != Checks.asComputed(logits.dtype())) {
      throw new IllegalArgumentException("CrossEntropyLoss: target dtype " + target.dtype() + " must equal logits dtype "
          + logits.dtype() + " (or be int32/int64 class labels)");
    }
    if (fused || (labelSmoothing == 0 && weight == null && reduction == Reduction.MEAN)) {
      // -sum_c t log softmax(x) per row, averaged over rows.
      return logits.logSoftmax().mul(target).sum().mul(-1.0 / logits.dim(0));
    }
    ClassTargets.checkWeight("CrossEntropyLoss", logits, weight);
    Tensor logp = logits.logSoftmax();
    long c = logits.dim(1);
    Tensor t = target;  // a probability target receives a gradient too, as in PyTorch
    if (t.dtype() != logp.dtype()) t = t.to(logp.dtype());
    if (labelSmoothing > 0) t = t.mul(1 - labelSmoothing).add(labelSmoothing / c);
    if (weight != null) t = t.mul(weight.detach().to(logp.dtype()).reshape(1, c));
    Tensor perRow = logp.mul(t).sum(1, false).neg();
    switch (reduction) {
      case NONE: return perRow;
      case SUM: return perRow.sum();
      default: return perRow.sum().mul(1.0 / logits.dim(0));
    }
  }
}
