package org.jdnn.nn;

import org.jdnn.tensor.UnaryOp;

/**
 * Heaviside step: 1 where x > 0, {@code valueAtZero} (default 1, so the step is 1{x >= 0}) where x == 0, and 0
 * where x &lt; 0 or x is NaN, as torch.heaviside. It has no derivative, so backpropagating through it throws; use it
 * for inference or for perceptron-style rules.
 */
public final class Step extends Activation {
  // files written before the setting was saved meant a step that is 0 at x == 0
  private static final Kind KIND = new Kind("Step", UnaryOp.HEAVISIDE, "value_at_zero", 0.0);
  /** Saved as {"type": "Step", "value_at_zero": v}. */
  public static final LayerType<Step> TYPE = KIND.type(Step.class, v -> new Step(v[0]));

  /** A step that is 1 at x == 0, torch.heaviside(x, 1). */
  public Step() {
    this(1.0);
  }

  /**
   * A step with the given value at 0.
   *
   * @param valueAtZero the output where x == 0 (finite)
   * @throws IllegalArgumentException when {@code valueAtZero} is infinite or NaN
   */
  public Step(double valueAtZero) {
    super(KIND, valueAtZero);
  }

  /** @return the output where x == 0 */
  public double valueAtZero() {
    return setting(0);
  }
}
