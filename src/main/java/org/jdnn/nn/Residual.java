package org.jdnn.nn;

import java.util.Arrays;
import org.jdnn.tensor.Tensor;

/** x + inner(x): a shortcut connection; inner must preserve the shape. */
public final class Residual extends Layer {
  /** Saved as {"type": "Residual", "children": {"inner": ...}}. */
  public static final LayerType<Residual> TYPE = LayerType.container("Residual", Residual.class, (children, init) -> {
    if (children.size() != 1) throw new IllegalArgumentException("Residual: expected 1 child (inner), got " + children.size());
    return new Residual(children.get(0));
  });

  private Layer inner;

  /**
   * A shortcut around {@code inner}, which this layer then owns (as its child "inner").
   *
   * @param inner a layer whose output has its input's shape
   */
  public Residual(Layer inner) {
    this.inner = registerModule("inner", inner);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the inner output's shape differs from the input's
   */
  @Override
  public Tensor forward(Tensor x) {
    Tensor y = inner.call(x);
    if (!Arrays.equals(x.shape(), y.shape())) {
      throw new IllegalArgumentException("Residual: inner output " + y.describe() + " must have the input's shape "
          + x.describe());
    }
    return x.add(y);
  }

  /**
   * {@inheritDoc}
   *
   * @param name "inner", the only child
   */
  @Override
  public Layer replaceChild(String name, Layer module) {
    Layer old = replaceModule(name, module);
    inner = module;
    return old;
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
