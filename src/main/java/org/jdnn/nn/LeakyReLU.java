package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** x for x > 0, slope * x otherwise (PyTorch default slope 0.01). */
public final class LeakyReLU extends Layer {
  private final double slope;

  public LeakyReLU() {
    this(0.01);
  }

  public LeakyReLU(double negativeSlope) {
    if (!Double.isFinite(negativeSlope)) throw new IllegalArgumentException("LeakyReLU: slope must be finite, got " + negativeSlope);
    this.slope = negativeSlope;
  }

  public double negativeSlope() {
    return slope;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.leakyRelu(slope);
  }

  @Override
  public String describe() {
    return "LeakyReLU(" + slope + ")";
  }
}
