package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** log(1 + e^x), linear above x = 20 as in PyTorch. */
public final class Softplus extends Module {
  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.softplus();
  }
}
