package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * log(1 + e^(beta x)) / beta, and x itself where beta x > threshold, as PyTorch's Softplus(beta, threshold)
 * (defaults beta 1, threshold 20).
 */
public final class Softplus extends Layer {
  private final double beta;
  private final double threshold;

  public Softplus() {
    this(1.0, 20.0);
  }

  public Softplus(double beta, double threshold) {
    if (!Double.isFinite(beta) || beta == 0 || !Double.isFinite(threshold)) {
      throw new IllegalArgumentException("Softplus: beta must be finite and nonzero and threshold finite, got beta "
          + beta + ", threshold " + threshold);
    }
    this.beta = beta;
    this.threshold = threshold;
  }

  public double beta() {
    return beta;
  }

  public double threshold() {
    return threshold;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.softplus(beta, threshold);
  }

  @Override
  public String describe() {
    return "Softplus(beta=" + beta + ", threshold=" + threshold + ")";
  }
}
