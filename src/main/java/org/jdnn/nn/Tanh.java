package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/** Hyperbolic tangent, element-wise. */
public final class Tanh extends Activation {
  private static final Kind KIND = new Kind("Tanh", UnaryOp.TANH);
  /** Saved as {"type": "Tanh"}. */
  public static final LayerType<Tanh> TYPE = KIND.type(Tanh.class, v -> new Tanh());

  /** A tanh layer, which has no settings. */
  public Tanh() {
    super(KIND);
  }
}
