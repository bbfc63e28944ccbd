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

  /**
   * x.select(dim, index): the slice at {@code index} (negative counts from the end) with
   * {@code dim} removed; a copy whose gradient goes back into zeros.
   */
  static Tensor select(Tensor x, int dim, long index) {
    x.h();
    int rank = x.rank();
    if (rank == 0) {
      throw new IllegalArgumentException("select: cannot select from a scalar (rank 0) " + x.describe());
    }
    int d = LayoutOps.resolveDim("select", x, dim, rank);
    long size = x.dim(d);
    long i = index < 0 ? index + size : index;
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dimension " + dim
          + " of " + x.describe() + "; use an index in [" + -size + ", " + (size - 1) + "]");
    }
    long[] kept = x.shape();
    kept[d] = 1;
    long[] shape = new long[rank - 1];
    for (int k = 0, j = 0; k < rank; k++) if (k != d) shape[j++] = kept[k];
    Tensor y = Tensor.empty(x.dtype(), x.device(), shape);
    try (Tensor view = LayoutOps.view(y, kept)) {
      NativeErrors.check(JdnnNative.op_narrow(x.h(), view.h(), d, i));
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    if (!x.dtype().isFloatingPoint()) return y;
    long[] xs = x.shapeRef();
    return Autograd.record("select", y, g -> {
      Tensor dx = Tensor.empty(g.dtype(), g.device(), xs);
      try (Tensor view = LayoutOps.view(g, kept)) {
        NativeErrors.check(JdnnNative.tensor_fill(dx.h(), 0));
        NativeErrors.check(JdnnNative.op_narrow_assign(view.h(), dx.h(), d, i));
      }
      return new Tensor[] {dx};
    }, x);
  }

  /**
   * x[..., start:end:step, ...] along {@code dim}, as Python slicing does it: negative start and end
   * count from the end, both are then clamped to [0, size], and step must be positive. A copy; step
   * 1 is a narrow, other steps pick their indices with index_select (whose gradient is index_add).
   */
  static Tensor slice(Tensor x, int dim, long start, long end, long step) {
    x.h();
    int rank = x.rank();
    if (rank == 0) {
      throw new IllegalArgumentException("slice: cannot slice a scalar (rank 0) " + x.describe());
    }
    int d = LayoutOps.resolveDim("slice", x, dim, rank);
    if (step <= 0) {
      throw new IllegalArgumentException("slice: step must be positive, got " + step + " (slicing dimension " + dim
          + " of " + x.describe() + "); to reverse, select the indices with indexSelect");
    }
    long size = x.dim(d);
    long from = Math.min(Math.max(start < 0 ? start + size : start, 0), size);
    long to = Math.min(Math.max(end < 0 ? end + size : end, 0), size);
    long length = to <= from ? 0 : (to - from + step - 1) / step;
    if (step == 1 || length <= 1) return narrow(x, d, from, length);
    long[] picks = new long[Math.toIntExact(length)];
    for (int k = 0; k < picks.length; k++) picks[k] = from + k * step;
    Tensor index = onDevice(Tensor.ofLongs(picks, picks.length), x.device());
    return Autograd.recordSaving("slice", indexSelectRaw(x, d, index), new Tensor[] {index}, g -> {
      Tensor dx = IndexOps.addedIntoZeros(g, index, x.shapeRef(), false, d);
      return new Tensor[] {dx};
    }, x);
  }

  /**
   * {@code made} (a new tensor from a factory, on the thread's default device) on {@code device}:
   * itself when already there, else moved and closed.
   */
  static Tensor onDevice(Tensor made, Device device) {
    if (made.device() == device) return made;
    try (made) {
      return made.to(device);
    }
  }

  private static Tensor indexSelectRaw(Tensor x, int d, Tensor index) {
    try (GradMode.Guard off = GradMode.disable()) {
      return IndexOps.indexSelect(x, d, index);
    }
  }
}
