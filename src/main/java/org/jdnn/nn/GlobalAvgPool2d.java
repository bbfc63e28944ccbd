package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** Mean over H and W: (N, C, H, W) to (N, C). */
public final class GlobalAvgPool2d extends Layer {
  /** Saved as {"type": "GlobalAvgPool2d"}. */
  public static final LayerType<GlobalAvgPool2d> TYPE = LayerType.simple("GlobalAvgPool2d", GlobalAvgPool2d.class,
      GlobalAvgPool2d::new);

  /** A global average pooling layer, which has no settings. */
  public GlobalAvgPool2d() {}

  /**
   * {@inheritDoc}
   *
   * @return the new (N, C) means
   * @throws IllegalArgumentException when x is not of rank 4
   */
  @Override
  public Tensor forward(Tensor x) {
    Pool2d.checkInput("GlobalAvgPool2d", x);
    return x.reshape(x.dim(0), x.dim(1), x.dim(2) * x.dim(3)).mean(2, false);
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(in);
  }
}
