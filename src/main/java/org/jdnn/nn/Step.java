package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** Heaviside step: 1 where x > 0, else 0. It has no derivative, so backpropagating through it throws; use it for inference or for perceptron-style rules. */
public final class Step extends Module {
  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.step();
  }
}
