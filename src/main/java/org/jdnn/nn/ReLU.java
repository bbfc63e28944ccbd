package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** max(0, x), element-wise. */
public final class ReLU extends Layer {
  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.relu();
  }
}
