package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/** x for x > 0, alpha (e^x - 1) otherwise (PyTorch default alpha 1). */
public final class ELU extends Activation {
  private static final Kind KIND = new Kind("ELU", UnaryOp.ELU, "alpha", Double.NaN);
  /** Saved as {"type": "ELU", "alpha": a}. */
  public static final LayerType<ELU> TYPE = KIND.type(ELU.class, v -> new ELU(v[0]));

  /** ELU with PyTorch's alpha 1. */
  public ELU() {
    this(1.0);
  }

  /**
   * ELU with the given alpha.
   *
   * @param alpha the scale of the negative side (finite)
   * @throws IllegalArgumentException when {@code alpha} is infinite or NaN
   */
  public ELU(double alpha) {
    super(KIND, alpha);
  }

  /** @return the scale of the negative side */
  public double alpha() {
    return setting(0);
  }
}
