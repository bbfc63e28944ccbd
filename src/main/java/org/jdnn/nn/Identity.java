package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** Returns its input unchanged. */
public final class Identity extends Layer {
  @Override
  public Tensor forward(Tensor x) {
    return x;
  }
}
