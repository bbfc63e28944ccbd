package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Fills, copies (across dtypes and devices) and row gathers: in-place or fresh tensors outside the
 * autograd graph, used by org.jdnn.io, org.jdnn.data and the optimizers' state.
 */
public final class MemoryOps {
  private MemoryOps() {}

  /**
   * Sets every element of {@code t} in place (rounded to t's dtype); not recorded by autograd.
   *
   * @param t the tensor to fill
   * @param value the value
   * @throws IllegalStateException when {@code t} is closed
   */
  public static void fill(Tensor t, double value) {
    NativeErrors.check(JdnnNative.tensor_fill(t.h(), value));
  }

  /**
   * dst = src (converting dtype), equal element counts. Unlike compute ops it crosses devices
   * (through a temporary on dst's device), since loading weights or optimizer state into a model
   * on a GPU is a copy from host tensors.
   *
   * @param src the values; not changed
   * @param dst overwritten in place, any shape with src's element count; not recorded by autograd
   * @throws IllegalArgumentException when the element counts differ
   */
  public static void copy(Tensor src, Tensor dst) {
    if (src.numel() != dst.numel()) {
      throw new IllegalArgumentException("copy: " + src.describe() + " into " + dst.describe() + ": element counts differ");
    }
    if (src.device() == dst.device()) {
      NativeErrors.check(JdnnNative.tensor_copy(src.h(), dst.h()));
      return;
    }
    try (GradMode.Guard g = GradMode.disable(); Tensor moved = src.to(dst.device())) {
      NativeErrors.check(JdnnNative.tensor_copy(moved.h(), dst.h()));
    }
  }

  /**
   * dst[i] = src[index[i]] for the rows (dimension 0) of src: how batches are cut from a dataset.
   *
   * @param src the rows, any dtype
   * @param index int32 or int64 row numbers, each in [0, rows), on src's device
   * @return a new (index.numel(), rest of src's shape) tensor, outside the autograd graph
   * @throws IllegalArgumentException when src is a scalar, the devices differ or the index is not
   *     int32 or int64
   * @throws IndexOutOfBoundsException when an index is outside [0, rows), naming the first (on a GPU
   *     at the next synchronization, see {@link Device#checkErrors()})
   */
  public static Tensor gatherRows(Tensor src, Tensor index) {
    Tensor.requireSameDevice("gatherRows", src, index);
    if (src.rank() == 0) throw new IllegalArgumentException("gatherRows: source must have rows, got " + src.describe());
    long[] shape = src.shape();
    shape[0] = index.numel();
    Tensor out = Tensor.empty(src.dtype(), src.device(), shape);
    NativeErrors.check(JdnnNative.tensor_gather_rows(src.h(), index.h(), out.h()));
    return out;
  }

  /**
   * {@link #gatherRows} of two tensors with the same rows by one index (a batch's features and
   * targets) in one native call, on a GPU one kernel.
   *
   * @param a the first rows, any dtype
   * @param b the second, with as many rows as {@code a}, any dtype
   * @param index int32 or int64 row numbers, each in [0, rows), on their device
   * @return the two new tensors, {@code a}'s rows then {@code b}'s, outside the autograd graph
   * @throws IllegalArgumentException when a source is a scalar, the row counts or devices differ or
   *     the index is not int32 or int64
   * @throws IndexOutOfBoundsException when an index is outside [0, rows), naming the first (on a GPU
   *     at the next synchronization, see {@link Device#checkErrors()})
   */
  public static Tensor[] gatherRows(Tensor a, Tensor b, Tensor index) {
    Tensor.requireSameDevice("gatherRows", a, b, index);
    if (a.rank() == 0 || b.rank() == 0) {
      throw new IllegalArgumentException("gatherRows: sources must have rows, got " + a.describe() + " and " + b.describe());
    }
    if (a.dim(0) != b.dim(0)) {
      throw new IllegalArgumentException("gatherRows: the two sources must have as many rows, got " + a.describe()
          + " and " + b.describe());
    }
    long[] sa = a.shape(), sb = b.shape();
    sa[0] = index.numel();
    sb[0] = index.numel();
    Tensor outA = Tensor.empty(a.dtype(), a.device(), sa), outB = Tensor.empty(b.dtype(), b.device(), sb);
    int status = JdnnNative.tensor_gather_rows_pair(a.h(), b.h(), index.h(), outA.h(), outB.h());
    if (status != 0) {
      RuntimeException failure = NativeErrors.exception(status, "gatherRows");
      outA.close();
      outB.close();
      throw failure;
    }
    return new Tensor[] {outA, outB};
  }
}
