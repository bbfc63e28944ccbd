package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** Returns its input unchanged. */
public final class Identity extends Layer {
  /** Saved as {"type": "Identity"}. */
  public static final LayerType<Identity> TYPE = LayerType.simple("Identity", Identity.class, Identity::new);

  /** An Identity layer, which has no settings. */
  public Identity() {}

  /**
   * {@inheritDoc}
   *
   * @return {@code x} itself
   */
  @Override
  public Tensor forward(Tensor x) {
    return x;
  }
}
