package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * Adaptive average pooling of (N, C, L) inputs to (N, C, outputSize), as PyTorch's
 * nn.AdaptiveAvgPool1d: output i is the mean of [floor(i L / out), ceil((i + 1) L / out)). Runs as
 * {@link AdaptiveAvgPool2d} on the (N, C, 1, L) view, which has the same bins.
 */
public final class AdaptiveAvgPool1d extends Layer {
  /** Saved as {"type": "AdaptiveAvgPool1d", "output_size": n}. */
  public static final LayerType<AdaptiveAvgPool1d> TYPE = LayerType.of("AdaptiveAvgPool1d", AdaptiveAvgPool1d.class,
      (l, out) -> out.put("output_size", l.size), in -> {
        int size = in.positiveInt("output_size", SettingsReader.MAX_WINDOW);
        return LayerType.plan((children, init) -> new AdaptiveAvgPool1d(size));
      });

  private final int size;
  private final String name;

  /**
   * An output of length {@code outputSize}.
   *
   * @param outputSize at least 1
   * @throws IllegalArgumentException when it is not positive
   */
  public AdaptiveAvgPool1d(int outputSize) {
    this.name = "AdaptiveAvgPool1d(" + outputSize + ")";
    if (outputSize < 1) throw new IllegalArgumentException(name + ": output_size must be at least 1, got " + outputSize);
    this.size = outputSize;
  }

  /** @return the output length */
  public int outputSize() {
    return size;
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, C, L) input, float32 or float64
   * @return the new (N, C, outputSize) output
   * @throws IllegalArgumentException when x is not of rank 3
   */
  @Override
  public Tensor forward(Tensor x) {
    if (x.rank() != 3) throw new IllegalArgumentException(name + ": expected input of shape [N, C, L], got " + x.describe());
    return Composed.run(() -> AdaptiveAvgPool2d.pool(x.reshape(x.dim(0), x.dim(1), 1, x.dim(2)), 1, size, name)
        .reshape(x.dim(0), x.dim(1), size));
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Math.max(Shapes.numel(in), Shapes.numel(out));
  }

  @Override
  public String describe() {
    return name;
  }
}
