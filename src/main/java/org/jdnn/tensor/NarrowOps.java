package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Narrowing: a copied slice of one dimension, with its gradient (scattered back into zeros).
 * Checks its arguments before native code runs; messages start with "narrow".
 */
public final class NarrowOps {
  private NarrowOps() {}

  /**
   * The slice [start, start + length) of dimension {@code dim} (negative counts from the end),
   * copied (not a view). The backward scatters the gradient into zeros of x's shape.
   *
   * @param x the tensor to slice, any dtype (only float tensors record a gradient)
   * @param dim the dimension, in [-rank, rank)
   * @param start the first index kept, in [0, size]
   * @param length how many indices, with start + length at most the dimension's size
   * @return a new tensor whose {@code dim} has {@code length}
   * @throws IllegalArgumentException when {@code dim} or the slice is out of range
   */
  public static Tensor narrow(Tensor x, int dim, long start, long length) {
    int rank = x.rank();
    int d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException("narrow: dimension " + dim + " is out of range for " + x.describe());
    }
    long size = x.dim(d);
    if (start < 0 || length < 0 || start > size || length > size - start) {
      throw new IllegalArgumentException("narrow: slice [" + start + ", " + start + " + " + length + ") of dimension "
          + dim + " is outside [0, " + size + ") of " + x.describe());
    }
    long[] shape = x.shape();
    shape[d] = length;
    Tensor y = Tensor.empty(x.dtype(), x.device(), shape);
    NativeErrors.check(JdnnNative.op_narrow(x.h(), y.h(), d, start));
    if (!x.dtype().isFloatingPoint()) return y;
    return Autograd.record("narrow", y, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.tensor_fill(dx.h(), 0));
      NativeErrors.check(JdnnNative.op_narrow_assign(g.h(), dx.h(), d, start));
      return new Tensor[] {dx};
    }, x);
  }
}
