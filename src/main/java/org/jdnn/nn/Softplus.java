package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/**
 * log(1 + e^(beta x)) / beta, and x itself where beta x > threshold, as PyTorch's Softplus(beta, threshold)
 * (defaults beta 1, threshold 20).
 */
public final class Softplus extends Activation {
  // files written before the settings were saved meant PyTorch's default, Softplus(1, 20)
  private static final Kind KIND = new Kind("Softplus", UnaryOp.SOFTPLUS, "beta", 1.0, "threshold", 20.0);
  /** Saved as {"type": "Softplus", "beta": b, "threshold": t}. */
  public static final LayerType<Softplus> TYPE = KIND.type(Softplus.class, v -> new Softplus(v[0], v[1]));

  /** Softplus with PyTorch's beta 1 and threshold 20. */
  public Softplus() {
    this(1.0, 20.0);
  }

  /**
   * Softplus with the given sharpness and threshold.
   *
   * @param beta the sharpness (finite, nonzero)
   * @param threshold beta x above which the layer is the identity (finite)
   * @throws IllegalArgumentException when a setting is infinite or NaN, or beta is 0
   */
  public Softplus(double beta, double threshold) {
    super(KIND, beta, threshold);
    if (beta == 0) throw new IllegalArgumentException("Softplus: beta must be nonzero (it divides), got 0");
  }

  /** @return the sharpness */
  public double beta() {
    return setting(0);
  }

  /** @return beta x above which the layer is the identity */
  public double threshold() {
    return setting(1);
  }
}
