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
   * Copies all of src's elements (row-major order) into dst's elements [offset, offset +
   * src.numel()), dst seen as a flat array: packing tensors into one buffer, as gradient buckets
   * are packed before one all-reduce carries them all.
   *
   * @param src the values, dst's dtype and device; not changed
   * @param dst the flat buffer, written in place; not recorded by autograd
   * @param offset the first element of dst written
   * @throws IllegalArgumentException when the dtypes or devices differ or the range leaves dst
   */
  public static void copyIntoRange(Tensor src, Tensor dst, long offset) {
    checkRange("copyIntoRange", src, dst, offset);
    try (GradMode.Guard g = GradMode.disable(); Tensor flatSrc = src.reshape(src.numel());
        Tensor flatDst = dst.reshape(dst.numel())) {
      NativeErrors.check(JdnnNative.op_narrow_assign(flatSrc.h(), flatDst.h(), 0, offset));
    }
  }

  /**
   * Copies src's elements [offset, offset + dst.numel()), src seen as a flat array, into all of
   * dst (row-major order): the inverse of {@link #copyIntoRange}.
   *
   * @param src the flat buffer; not changed
   * @param offset the first element of src read
   * @param dst overwritten in place, src's dtype and device; not recorded by autograd
   * @throws IllegalArgumentException when the dtypes or devices differ or the range leaves src
   */
  public static void copyFromRange(Tensor src, long offset, Tensor dst) {
    checkRange("copyFromRange", dst, src, offset);
    try (GradMode.Guard g = GradMode.disable(); Tensor flatSrc = src.reshape(src.numel());
        Tensor flatDst = dst.reshape(dst.numel())) {
      NativeErrors.check(JdnnNative.op_narrow(flatSrc.h(), flatDst.h(), 0, offset));
    }
  }

  // part occupies flat's elements [offset, offset + part.numel()).
  private static void checkRange(String op, Tensor part, Tensor flat, long offset) {
    if (part.dtype() != flat.dtype() || part.device() != flat.device()) {
      throw new IllegalArgumentException(op + ": " + part.describe() + " and " + flat.describe()
          + " must have one dtype and device");
    }
    if (offset < 0 || offset > flat.numel() - part.numel()) {
      throw new IllegalArgumentException(op + ": elements [" + offset + ", " + offset + " + " + part.numel()
          + ") are outside the " + flat.numel() + " of " + flat.describe());
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

  /**
   * The next batch of an epoch order kept on the device: with {@code c} the cursor's value and
   * {@code B} the destinations' rows, writes rows {@code order[c .. c + B)} of {@code a} and
   * {@code b} into {@code intoA} and {@code intoB} and sets the cursor to {@code c + B}, without the
   * host reading anything: on a GPU one kernel, which a captured CUDA graph step can hold so that each
   * replay takes the next batch ({@code org.jdnn.train.StepGraph#feeding}). Write 0 into the cursor
   * at each epoch.
   *
   * @param a the first rows (features), any dtype
   * @param b the second (targets), with as many rows
   * @param order int32 or int64 row numbers, one-dimensional
   * @param cursor one int64, the position in {@code order} of the batch's first row
   * @param intoA where {@code a}'s rows go: {@code a}'s dtype and row shape, B rows
   * @param intoB where {@code b}'s rows go: {@code b}'s dtype and row shape, B rows
   * @throws IllegalArgumentException when the devices, dtypes or shapes do not fit together
   * @throws IndexOutOfBoundsException when {@code c + B} runs past the order or a row number is out
   *     of range (on a GPU at the next synchronization, see {@link Device#checkErrors()}); the cursor
   *     moves on all the same
   */
  public static void gatherNextRows(Tensor a, Tensor b, Tensor order, Tensor cursor, Tensor intoA, Tensor intoB) {
    Tensor.requireSameDevice("gatherNextRows", a, b, order, cursor, intoA, intoB);
    if (cursor.dtype() != DType.INT64 || cursor.numel() != 1) {
      throw new IllegalArgumentException("gatherNextRows: the cursor must be one int64, got " + cursor.describe()
          + "; make it with Tensor.empty(DType.INT64, device, 1) and write 0 into it");
    }
    if (order.rank() != 1 || (order.dtype() != DType.INT32 && order.dtype() != DType.INT64)) {
      throw new IllegalArgumentException("gatherNextRows: the order must be a one-dimensional int32 or int64 tensor, got "
          + order.describe());
    }
    checkInto("features", a, intoA);
    checkInto("targets", b, intoB);
    if (a.dim(0) != b.dim(0) || intoA.dim(0) != intoB.dim(0)) {
      throw new IllegalArgumentException("gatherNextRows: sources and destinations must pair up row for row, got "
          + a.describe() + ", " + b.describe() + " into " + intoA.describe() + ", " + intoB.describe());
    }
    if (intoA.dim(0) == 0 || intoA.dim(0) > order.numel()) {
      throw new IllegalArgumentException("gatherNextRows: a batch of " + intoA.dim(0) + " rows from an order of "
          + order.numel() + "; the batch must have between 1 and the order's length rows");
    }
    NativeErrors.check(JdnnNative.tensor_gather_rows_next(a.h(), b.h(), order.h(), cursor.h(), intoA.h(), intoB.h()));
  }

  private static void checkInto(String what, Tensor src, Tensor into) {
    long[] rowShape = src.shape(), intoShape = into.shape();
    boolean fits = src.rank() >= 1 && into.rank() == src.rank() && into.dtype() == src.dtype();
    for (int k = 1; fits && k < rowShape.length; k++) fits = rowShape[k] == intoShape[k];
    if (!fits) {
      throw new IllegalArgumentException("gatherNextRows: the " + what + " destination " + into.describe()
          + " must have the dtype and row shape of its source " + src.describe());
    }
  }
}
