package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/** 1 / (1 + e^-x), element-wise. */
public final class Sigmoid extends Activation {
  private static final Kind KIND = new Kind("Sigmoid", UnaryOp.SIGMOID);
  /** Saved as {"type": "Sigmoid"}. */
  public static final LayerType<Sigmoid> TYPE = KIND.type(Sigmoid.class, v -> new Sigmoid());

  /** A sigmoid layer, which has no settings. */
  public Sigmoid() {
    super(KIND);
  }
}
