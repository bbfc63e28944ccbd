package org.jdnn.nn;

/** Batch norm for (N, C) or (N, C, L) inputs; eps 1e-5 and momentum 0.1 by default, as PyTorch. */
public final class BatchNorm1d extends BatchNorm {
  /** Saved as {"type": "BatchNorm1d", "channels": c, "eps": e, "momentum": m, "affine": a}. */
  public static final LayerType<BatchNorm1d> TYPE = type("BatchNorm1d", BatchNorm1d.class, BatchNorm1d::new);

  public BatchNorm1d(int channels) {
    this(channels, 1e-5, 0.1, true);
  }

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
