package org.jdnn.nn;

import java.util.Arrays;
import org.jdnn.tensor.Tensor;

/** Reshapes each sample to {@code shape} (the batch dimension is kept; one entry may be -1). */
public final class Reshape extends Layer {
  /** Saved as {"type": "Reshape", "shape": [d1, d2, ...]}. */
  public static final LayerType<Reshape> TYPE = LayerType.of("Reshape", Reshape.class, (l, out) -> out.putArray("shape", l.shape),
      in -> {
        long[] shape = in.shape("shape");
        return LayerType.plan((children, init) -> new Reshape(shape));
      });

  private final long[] shape;

  /**
   * A reshape of each sample; checked against the input at each forward.
   *
   * @param shape the per-sample shape, without the batch dimension; one entry may be -1 (inferred);
   *     copied
   */
  public Reshape(long... shape) {
    this.shape = shape.clone();
  }

  /**
   * The per-sample target shape.
   *
   * @return a copy, as given (a -1 stays -1)
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * {@inheritDoc}
   *
   * @return a tensor of shape (N, shape...) sharing x's memory
   * @throws IllegalArgumentException when a sample's element count does not fit the shape
   */
  @Override
  public Tensor forward(Tensor x) {
    long[] full = new long[shape.length + 1];
    full[0] = x.dim(0);
    System.arraycopy(shape, 0, full, 1, shape.length);
    try {
      return x.reshape(full);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(describe() + ": cannot reshape " + x.describe() + " to " + Arrays.toString(full), e);
    }
  }

  @Override
  public String describe() {
    return "Reshape(" + Arrays.toString(shape) + ")";
  }
}
