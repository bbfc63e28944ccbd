package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** (N, d1, d2, ...) to (N, d1 d2 ...). */
public final class Flatten extends Layer {
  /** Saved as {"type": "Flatten"}. */
  public static final LayerType<Flatten> TYPE = LayerType.simple("Flatten", Flatten.class, Flatten::new);

  /** A Flatten layer, which has no settings. */
  public Flatten() {}

  /**
   * {@inheritDoc}
   *
   * @return a view of x reshaped to (N, product of the other dimensions)
   * @throws IllegalArgumentException when x is a scalar
   */
  @Override
  public Tensor forward(Tensor x) {
    if (x.rank() < 1) throw new IllegalArgumentException("Flatten: expected a batch dimension, got " + x.describe());
    return x.flatten();
  }
}
