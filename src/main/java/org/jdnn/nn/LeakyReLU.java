package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/** x for x > 0, slope * x otherwise (PyTorch default slope 0.01). */
public final class LeakyReLU extends Activation {
  private static final Kind KIND = new Kind("LeakyReLU", UnaryOp.LEAKY_RELU, "negative_slope", Double.NaN);
  /** Saved as {"type": "LeakyReLU", "negative_slope": s}. */
  public static final LayerType<LeakyReLU> TYPE = KIND.type(LeakyReLU.class, v -> new LeakyReLU(v[0]));

  /** LeakyReLU with PyTorch's slope 0.01. */
  public LeakyReLU() {
    this(0.01);
  }

  /**
   * LeakyReLU with the given slope.
   *
   * @param negativeSlope the slope for x &lt; 0 (finite)
   * @throws IllegalArgumentException when {@code negativeSlope} is infinite or NaN
   */
  public LeakyReLU(double negativeSlope) {
    super(KIND, negativeSlope);
  }

  /** @return the slope for x &lt; 0 */
  public double negativeSlope() {
    return setting(0);
  }
}
