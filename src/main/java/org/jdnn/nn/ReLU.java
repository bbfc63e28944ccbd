package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/** max(0, x), element-wise. */
public final class ReLU extends Activation {
  private static final Kind KIND = new Kind("ReLU", UnaryOp.RELU);
  /** Saved as {"type": "ReLU"}. */
  public static final LayerType<ReLU> TYPE = KIND.type(ReLU.class, v -> new ReLU());

  /** A ReLU layer, which has no settings. */
  public ReLU() {
    super(KIND);
  }
}
