package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** x for x > 0, alpha (e^x - 1) otherwise (PyTorch default alpha 1). */
public final class ELU extends Layer {
  private final double alpha;

  public ELU() {
    this(1.0);
  }

  public ELU(double alpha) {
    if (!Double.isFinite(alpha)) throw new IllegalArgumentException("ELU: alpha must be finite, got " + alpha);
    this.alpha = alpha;
  }

  public double alpha() {
    return alpha;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.elu(alpha);
  }

  @Override
  public String describe() {
    return "ELU(" + alpha + ")";
  }
}
