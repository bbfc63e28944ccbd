package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/** x * sigmoid(x), element-wise (PyTorch's nn.SiLU, also called swish). */
public final class SiLU extends Activation {
  private static final Kind KIND = new Kind("SiLU", UnaryOp.SILU);
  /** Saved as {"type": "SiLU"}. */
  public static final LayerType<SiLU> TYPE = KIND.type(SiLU.class, v -> new SiLU());

  /** A SiLU layer, which has no settings. */
  public SiLU() {
    super(KIND);
  }
}
