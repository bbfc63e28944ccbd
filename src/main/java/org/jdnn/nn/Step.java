package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * Heaviside step: 1 where x > 0, {@code valueAtZero} (default 1, so the step is 1{x >= 0}) where x == 0, and 0
 * where x &lt; 0 or x is NaN, as torch.heaviside. It has no derivative, so backpropagating through it throws; use it
 * for inference or for perceptron-style rules.
 */
public final class Step extends Layer {
  private final double valueAtZero;

  public Step() {
    this(1.0);
  }

  public Step(double valueAtZero) {
    if (!Double.isFinite(valueAtZero)) {
      throw new IllegalArgumentException("Step: the value at 0 must be finite, got " + valueAtZero);
    }
    this.valueAtZero = valueAtZero;
  }

  public double valueAtZero() {
    return valueAtZero;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.heaviside(valueAtZero);
  }

  @Override
  public String describe() {
    return "Step(" + valueAtZero + ")";
  }
}
