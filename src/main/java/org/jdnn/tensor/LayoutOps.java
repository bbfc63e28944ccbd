package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Layout ops: permute, transpose and expand, each one strided copy in native code (jdnn tensors are
 * always contiguous, so where PyTorch returns a strided view these return a contiguous copy with the
 * same values), and the reshapes squeeze, unsqueeze and view (which share memory, as reshape does).
 * Each checks its arguments before native code runs; messages start with the op's name.
 */
final class LayoutOps {
  private LayoutOps() {}

  /** The most dimensions the strided copy takes (kernels/strided.h, kStridedMaxDims). */
  static final int MAX_DIMS = Tensor.MAX_STRIDED_DIMS;

  /** {@code dim} in [-rank, rank) counted from the front, else an error naming {@code op}. */
  static int resolveDim(String op, Tensor x, int dim, int rank) {
    int d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for " + x.describe()
          + "; use a dimension in [" + -rank + ", " + (rank - 1) + "]");
    }
    return d;
  }

  static void requireMaxDims(String op, Tensor x, int rank) {
    if (rank > MAX_DIMS) {
      throw new IllegalArgumentException(op + ": takes at most " + MAX_DIMS + " dimensions, got " + x.describe()
          + "; reshape to merge neighbouring dimensions first");
    }
  }

  /** A view of t's memory with another shape of as many elements, outside the graph (close it after use). */
  static Tensor view(Tensor t, long[] shape) {
    long[] s = shape.clone();
    return new Tensor(NativeErrors.handle(JdnnNative.tensor_view(t.h(), s, s.length)), s, t.dtype(), t.device());
  }

  /** Row-major strides of {@code shape}. */
  static long[] contiguousStrides(long[] shape) {
    long[] s = new long[shape.length];
    long step = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      s[d] = step;
      step *= shape[d];
    }
    return s;
  }

  /** y (of {@code shape}) with y[i] = x[sum_k idx_k(i) * strides[k]]: the native strided copy. */
  private static Tensor stridedCopy(Tensor x, long[] shape, long[] strides) {
    Tensor y = Tensor.empty(x.dtype(), x.device(), shape);
    try {
      NativeErrors.check(JdnnNative.op_strided_copy(x.h(), y.h(), strides, strides.length));
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return y;
  }

  /** x.permute(dims): output dimension k is x's dimension dims[k]; the gradient is permuted back. */
  static Tensor permute(Tensor x, int... dims) {
    x.h();
    int rank = x.rank();
    if (dims == null || dims.length != rank) {
      throw new IllegalArgumentException("permute: expected " + rank + " dimensions (one per dimension of "
          + x.describe() + "), got " + (dims == null ? "null" : Arrays.toString(dims)));
    }
    requireMaxDims("permute", x, rank);
    int[] perm = new int[rank];
    boolean[] seen = new boolean[rank];
    for (int k = 0; k < rank; k++) {
      int d = resolveDim("permute", x, dims[k], rank);
      if (seen[d]) {
        throw new IllegalArgumentException("permute: dimension " + dims[k] + " appears twice in "
            + Arrays.toString(dims) + "; give each dimension of " + x.describe() + " once");
      }
      seen[d] = true;
      perm[k] = d;
    }
    long[] xs = x.shapeRef();
    long[] xStrides = contiguousStrides(xs);
    long[] shape = new long[rank];
    long[] strides = new long[rank];
    for (int k = 0; k < rank; k++) {
      shape[k] = xs[perm[k]];
      strides[k] = xStrides[perm[k]];
    }
    Tensor y = stridedCopy(x, shape, strides);
    if (!x.dtype().isFloatingPoint()) return y;
    int[] inverse = new int[rank];
    for (int k = 0; k < rank; k++) inverse[perm[k]] = k;
    return Autograd.record("permute", y, g -> new Tensor[] {permute(g, inverse)}, x);
  }

  /** x.transpose(d0, d1): dimensions d0 and d1 swapped (a permute). */
  static Tensor transpose(Tensor x, int dim0, int dim1) {
    x.h();
    int rank = x.rank();
    // PyTorch lets a scalar transpose its (absent) dimensions 0 and -1 with itself
    int r = Math.max(rank, 1);
    int a = resolveDim("transpose", x, dim0, r), b = resolveDim("transpose", x, dim1, r);
    if (rank == 0) return permute(x);
    int[] perm = new int[rank];
    for (int k = 0; k < rank; k++) perm[k] = k;
    perm[a] = b;
    perm[b] = a;
    return permute(x, perm);
  }

  /**
   * x.expand(sizes): x repeated along its size-1 dimensions (and new leading ones) to {@code sizes}
   * (-1 keeps a size); a copy, whose gradient sums over the repeats.
   */
  static Tensor expand(Tensor x, long... sizes) {
    x.h();
    long[] xs = x.shapeRef();
    int rank = sizes == null ? -1 : sizes.length;
    if (rank < xs.length) {
      throw new IllegalArgumentException("expand: " + (sizes == null ? "null" : Arrays.toString(sizes))
          + " has fewer dimensions than " + x.describe() + "; give at least " + xs.length + " sizes");
    }
    requireMaxDims("expand", x, rank);
    long[] shape = new long[rank];
    long[] strides = new long[rank];
    long[] xStrides = contiguousStrides(xs);
    int lead = rank - xs.length;
    for (int k = 0; k < rank; k++) {
      int i = k - lead;  // x's dimension aligned with output dimension k (right-aligned), or < 0
      long want = sizes[k];
      if (i < 0) {
        if (want < 0) {
          throw new IllegalArgumentException("expand: size " + want + " for new leading dimension " + k + " of "
              + Arrays.toString(sizes) + "; a new dimension needs a size >= 0 (-1 only keeps an existing size)");
        }
        shape[k] = want;
        strides[k] = 0;
      } else if (want == -1 || want == xs[i]) {
        shape[k] = xs[i];
        strides[k] = xStrides[i];
      } else if (xs[i] == 1 && want >= 0) {
        shape[k] = want;
        strides[k] = 0;
      } else {
        throw new IllegalArgumentException("expand: cannot expand dimension " + i + " of " + x.describe() + " from "
            + xs[i] + " to " + want + " (in " + Arrays.toString(sizes) + "); only size-1 dimensions repeat, -1 keeps"
            + " a size");
      }
    }
    Tensor y = stridedCopy(x, shape, strides);
    if (!x.dtype().isFloatingPoint()) return y;
    long[] original = xs.clone();
    return Autograd.record("expand", y, g -> new Tensor[] {ReduceOps.sumTo(g, original)}, x);
  }

  /** x without its size-1 dimensions (a view). */
  static Tensor squeeze(Tensor x) {
    x.h();
    long[] xs = x.shapeRef();
    return x.reshape(Arrays.stream(xs).filter(n -> n != 1).toArray());
  }

  /** x without dimension {@code dim} when its size is 1, else x's shape (a view, as in PyTorch). */
  static Tensor squeeze(Tensor x, int dim) {
    x.h();
    long[] xs = x.shapeRef();
    int d = resolveDim("squeeze", x, dim, Math.max(xs.length, 1));
    if (xs.length == 0 || xs[d] != 1) return x.reshape(xs);
    long[] shape = new long[xs.length - 1];
    for (int k = 0, j = 0; k < xs.length; k++) if (k != d) shape[j++] = xs[k];
    return x.reshape(shape);
  }

  /** x with a size-1 dimension inserted at {@code dim} in [-rank - 1, rank] (a view). */
  static Tensor unsqueeze(Tensor x, int dim) {
    x.h();
    long[] xs = x.shapeRef();
    int d = resolveDim("unsqueeze", x, dim, xs.length + 1);
    long[] shape = new long[xs.length + 1];
    for (int k = 0, j = 0; k < shape.length; k++) shape[k] = k == d ? 1 : xs[j++];
    return x.reshape(shape);
  }
}
