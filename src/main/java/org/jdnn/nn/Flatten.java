package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** (N, d1, d2, ...) to (N, d1 d2 ...). */
public final class Flatten extends Layer {
  @Override
  public Tensor forward(Tensor x) {
    if (x.rank() < 1) throw new IllegalArgumentException("Flatten: expected a batch dimension, got " + x.describe());
    return x.flatten();
  }
}
