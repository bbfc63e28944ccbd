package org.jdnn.nn;

/** Batch norm for (N, C, H, W) inputs; eps 1e-5 and momentum 0.1 by default, as PyTorch. */
public final class BatchNorm2d extends BatchNorm {
  /** Saved as {"type": "BatchNorm2d", "channels": c, "eps": e, "momentum": m, "affine": a}. */
  public static final LayerType<BatchNorm2d> TYPE = type("BatchNorm2d", BatchNorm2d.class, BatchNorm2d::new);

  public BatchNorm2d(int channels) {
    this(channels, 1e-5, 0.1, true);
  }

  public BatchNorm2d(int channels, double eps, double momentum, boolean affine) {
    super(channels, eps, momentum, affine, 4);
  }

  @Override
  String expectedShape() {
    return "[N, " + channels() + ", H, W]";
  }

  @Override
  public String describe() {
    return "BatchNorm2d(" + channels() + ")";
  }
}
