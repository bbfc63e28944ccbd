package org.jdnn.nn;

import java.util.Arrays;
import org.jdnn.tensor.Tensor;

/** x + inner(x): a shortcut connection; inner must preserve the shape. */
public final class Residual extends Layer {
  private final Layer inner;

  public Residual(Layer inner) {
    this.inner = registerModule("inner", inner);
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor y = inner.forward(x);
    if (!Arrays.equals(x.shape(), y.shape())) {
      throw new IllegalArgumentException("Residual: inner output " + y.describe() + " must have the input's shape "
          + x.describe());
    }
    return x.add(y);
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Summary.flopsOf(inner, in) + Shapes.numel(out);
  }

  @Override
  public String describe() {
    return "Residual(" + inner.describe() + ")";
  }
}
