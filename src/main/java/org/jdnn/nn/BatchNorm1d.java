package org.jdnn.nn;

/** Batch norm for (N, C) or (N, C, L) inputs; eps 1e-5 and momentum 0.1 by default, as PyTorch. */
public final class BatchNorm1d extends BatchNorm {
  /** Saved as {"type": "BatchNorm1d", "channels": c, "eps": e, "momentum": m, "affine": a}. */
  public static final LayerType<BatchNorm1d> TYPE = type("BatchNorm1d", BatchNorm1d.class, BatchNorm1d::new);

  /**
   * A batch norm with PyTorch's defaults: eps 1e-5, momentum 0.1, affine.
   *
   * @param channels C, at least 1
   * @throws IllegalArgumentException when {@code channels} is not positive
   */
  public BatchNorm1d(int channels) {
    this(channels, 1e-5, 0.1, true);
  }

  /**
   * A batch norm with the given settings.
   *
   * @param channels C, at least 1
   * @param eps the term added to the variance, &gt; 0
   * @param momentum the weight of each batch in the running statistics, in [0, 1]
   * @param affine whether to learn a scale and a shift
   * @throws IllegalArgumentException when a setting is out of range
   */
  public BatchNorm1d(int channels, double eps, double momentum, boolean affine) {

    super(channels, eps, momentum, affine, 2, 3);
  }

  @Override
  String expectedShape() {
    return "[N, " + channels() + "] or [N, " + channels() + ", L]";
  }

  @Override
  public String describe() {
    return "BatchNorm1d(" + channels() + ")";
  }
}
