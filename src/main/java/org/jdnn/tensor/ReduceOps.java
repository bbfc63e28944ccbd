package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Reductions: sums and means over dimensions (whose gradient broadcasts back), argmax, and max/min along a
 * dimension with their indices (whose gradient goes to the selected element).
 */
final class ReduceOps {
  private ReduceOps() {}

  /** Sums x down to {@code target} (x's shape must broadcast from target). */
  static Tensor sumTo(Tensor x, long[] target) {
    x.requireFloatOrHalf("sum");
    long[] xs = x.shapeRef();
    if (target.length > xs.length) {
      throw new IllegalArgumentException("sumTo: target " + Arrays.toString(target) + " has more dimensions than "
          + x.describe());
    }
    for (int i = target.length - 1, o = xs.length - 1; i >= 0; i--, o--) {
      if (target[i] != 1 && target[i] != xs[o]) {
        throw new IllegalArgumentException("sumTo: cannot sum " + x.describe() + " to " + Arrays.toString(target));
      }
    }
    Tensor y = Tensor.empty(x.dtype(), x.device(), target.clone());
    NativeErrors.check(JdnnNative.op_sum_to(x.h(), y.h()));
    return Autograd.record("sum", y, g -> new Tensor[] {broadcastTo(g, xs)}, x);
  }

  static Tensor sumDim(String op, Tensor x, int dim, boolean keepDim) {
    int rank = x.rank();
    int d = resolveDim(op, x, dim);
    long[] kept = x.shape();
    kept[d] = 1;
    Tensor s = sumTo(x, kept);
    if (keepDim) return s;
    long[] dropped = new long[rank - 1];
    for (int i = 0, j = 0; i < rank; i++) if (i != d) dropped[j++] = kept[i];
    return s.reshape(dropped);
  }

  /**
   * Which dimensions {@code dims} names (negative ones counted from the back), refused naming {@code op} when
   * empty, out of range or repeated.
   */
  static boolean[] resolveDims(String op, Tensor x, int[] dims) {
    if (dims == null || dims.length == 0) {
      throw new IllegalArgumentException(op + ": no dimensions given for " + x.describe()
          + "; name at least one (for every element use the overload without dimensions)");
    }
    boolean[] reduced = new boolean[x.rank()];
    for (int dim : dims) {
      int d = resolveDim(op, x, dim);
      if (reduced[d]) {
        throw new IllegalArgumentException(op + ": dimension " + dim + " appears twice in " + Arrays.toString(dims)
            + " for " + x.describe() + "; name each dimension once");
      }
      reduced[d] = true;
    }
    return reduced;
  }

  /** x's shape with the reduced dimensions set to 1 (keepDim) or left out. */
  static long[] reducedShape(long[] shape, boolean[] reduced, boolean keepDim) {
    int n = 0;
    for (boolean r : reduced) if (!r || keepDim) n++;
    long[] out = new long[n];
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (!reduced[i]) out[j++] = shape[i];
      else if (keepDim) out[j++] = 1;
    }
    return out;
  }

  /** The number of elements each output of a reduction over {@code reduced} sums. */
  static long reducedCount(long[] shape, boolean[] reduced) {
    long n = 1;
    for (int i = 0; i < shape.length; i++) if (reduced[i]) n *= shape[i];
    return n;
  }

  /**
   * scale times the sum of x over the {@code reduced} dimensions, as one recorded node (no intermediate kept
   * for the backward, which broadcasts the gradient back times scale). float16/bfloat16 are summed and scaled
   * in float32 and rounded once, as PyTorch's mean does.
   */
  static Tensor sumDims(String op, Tensor x, boolean[] reduced, boolean keepDim, double scale) {
    return sumDims(op, x, reduced, keepDim, scale, x.dtype());
  }

  /**
   * As above, the result in {@code outType}: x's dtype, or float32 for a 16-bit x (autocast's sum, on PyTorch's
   * float32 list); the gradient comes back in x's dtype.
   */
  static Tensor sumDims(String op, Tensor x, boolean[] reduced, boolean keepDim, double scale, DType outType) {
    x.requireFloatOrHalf(op);
    long[] xs = x.shapeRef();
    long[] kept = reducedShape(xs, reduced, true);
    long[] outShape = reducedShape(xs, reduced, keepDim);
    Tensor y;
    try (GradMode.Guard off = GradMode.disable()) {
      Tensor wide = x.dtype().isHalf() ? x.to(DType.FLOAT32) : x;
      Tensor s = Tensor.empty(wide.dtype(), x.device(), kept);
      NativeErrors.check(JdnnNative.op_sum_to(wide.h(), s.h()));
      if (wide != x) wide.close();
      y = s;
      if (scale != 1) {
        y = s.mul(scale);
        s.close();
      }
      if (y.dtype() != outType) {
        Tensor narrow = y.to(outType);
        y.close();
        y = narrow;
      }
      if (!keepDim) {
        Tensor view = y.reshape(outShape);
        y.close();
        y = view;
      }
    }
    return Autograd.record(op, y, g -> {
      Tensor gk = g.reshape(kept);
      Tensor dx = broadcastTo(scale == 1 ? gk : gk.mul(scale), xs);
      return new Tensor[] {dx.dtype() == x.dtype() ? dx : dx.to(x.dtype())};
    }, x);
  }

  /**
   * The largest (min: smallest) element along {@code dim} and its index, as torch.max/min(x, dim, keepdim):
   * the first of equal elements, NaN counting as the extreme. The values' gradient flows to the selected
   * element only (PyTorch's rule for max/min along a dimension).
   */
  static ValuesIndices maxDim(String op, Tensor x, int dim, boolean keepDim, boolean min) {
    int d = checkExtremeDim(op, x, dim, min);
    long[] shape = extremeShape(x, d, keepDim);
    Tensor indices = Tensor.empty(DType.INT64, x.device(), shape);
    Tensor values = Tensor.empty(x.dtype(), x.device(), shape);
    NativeErrors.check(JdnnNative.op_max_dim(x.h(), values.h(), indices.h(), d, min));
    // the backward reads the returned indices (no handle of its own that could outlive them): closing them
    // before backward makes it throw, naming the closed tensor
    long[] xs = x.shapeRef();
    Autograd.record(op, values, g -> {
      Tensor dx = Tensor.empty(g.dtype(), g.device(), xs);
      NativeErrors.check(JdnnNative.op_max_dim_backward(g.h(), indices.h(), dx.h(), d));
      return new Tensor[] {dx};
    }, x);
    return new ValuesIndices(values, indices);
  }

  /** argmax/argmin along {@code dim}: maxDim's indices alone (int64, outside the graph). */
  static Tensor argmaxDim(String op, Tensor x, int dim, boolean keepDim, boolean min) {
    int d = checkExtremeDim(op, x, dim, min);
    Tensor indices = Tensor.empty(DType.INT64, x.device(), extremeShape(x, d, keepDim));
    NativeErrors.check(JdnnNative.op_max_dim(x.h(), 0, indices.h(), d, min));
    return indices;
  }

  private static int checkExtremeDim(String op, Tensor x, int dim, boolean min) {
    x.requireFloatOrHalf(op);
    if (x.rank() == 0) {
      throw new IllegalArgumentException(op + ": needs a tensor with at least one dimension, got " + x.describe()
          + "; reshape(1) it first");
    }
    int d = resolveDim(op, x, dim);
    if (x.dim(d) == 0) {
      throw new IllegalArgumentException(op + ": dimension " + dim + " of " + x.describe() + " is empty, so it has no "
          + (min ? "minimum" : "maximum") + "; reduce over a non-empty dimension");
    }
    return d;
  }

  private static long[] extremeShape(Tensor x, int d, boolean keepDim) {
    boolean[] reduced = new boolean[x.rank()];
    reduced[d] = true;
    return reducedShape(x.shapeRef(), reduced, keepDim);
  }

  /** {@code dim} counted from the front (negative counts from the back), refused naming {@code op} if out of range. */
  static int resolveDim(String op, Tensor x, int dim) {
    int rank = x.rank();
    int d = dim < 0 ? rank + dim : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException(op + ": dimension " + dim + " out of range for " + x.describe()
          + "; use a dimension in [" + -rank + ", " + (rank - 1) + "]");
    }
    return d;
  }

  /** g broadcast up to {@code shape}: the gradient of a sum. */
  static Tensor broadcastTo(Tensor g, long[] shape) {
    Tensor zeros = Tensor.empty(g.dtype(), g.device(), shape);
    MemoryOps.fill(zeros, 0);
    return g.add(zeros);
  }

  static Tensor argmax(Tensor x) {
    x.requireFloatOrHalf("argmax");
    if (x.rank() == 0 || x.dim(-1) == 0) {
      throw new IllegalArgumentException("argmax: needs a non-empty last dimension, got " + x.describe());
    }
    long[] lead = Arrays.copyOf(x.shapeRef(), x.rank() - 1);
    Tensor out = Tensor.empty(DType.INT64, x.device(), lead);
    NativeErrors.check(JdnnNative.op_argmax_last(x.h(), out.h()));
    return out;
  }
}
