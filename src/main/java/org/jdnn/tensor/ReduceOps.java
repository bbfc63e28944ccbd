package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/** Reductions: sums (whose gradient broadcasts back) and argmax. */
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
