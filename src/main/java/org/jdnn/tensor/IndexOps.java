package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Indexing by tensors of indices, as PyTorch defines it: index_select (whole slices along one
 * dimension), gather (one element per index position) and scatter_add (gather's adjoint). Shapes,
 * dtypes and devices are checked here; the index values are checked by the backend as it reads
 * them (an index outside its dimension is an {@link IndexOutOfBoundsException} naming the first;
 * on a GPU raised at the next synchronizing call, as gather_rows does). Gradients: index_select's
 * is index_add into zeros, gather's is scatter_add into zeros; repeated indices accumulate.
 */
final class IndexOps {
  private IndexOps() {}

  static void requireIndex(String op, Tensor index) {
    if (index == null) throw new IllegalArgumentException(op + ": index must not be null");
    index.h();
    if (index.dtype() != DType.INT64 && index.dtype() != DType.INT32) {
      throw new IllegalArgumentException(op + ": index must be int64 (or int32), got " + index.describe()
          + "; convert it with .to(DType.INT64)");
    }
  }

  /**
   * Zeros of {@code shape} with g added at {@code index} along {@code dim}: index_add (when
   * {@code scatter} is false) or scatter_add. The gradient of index_select and gather (and of
   * maskedSelect). A 16-bit g is added in float32 and rounded once.
   */
  static Tensor addedIntoZeros(Tensor g, Tensor index, long[] shape, boolean scatter, int dim) {
    if (g.dtype().isHalf()) {
      try (Tensor wide = g.convertedCopy(DType.FLOAT32);
          Tensor sum = addedIntoZeros(wide, index, shape, scatter, dim)) {
        return sum.convertedCopy(g.dtype());
      }
    }
    Tensor z = Tensor.empty(g.dtype(), g.device(), shape);
    try (Tensor flat = index.rank() == 0 ? index.reshape(1) : null) {
      NativeErrors.check(JdnnNative.tensor_fill(z.h(), 0));
      long idx = (flat == null ? index : flat).h();
      NativeErrors.check(scatter ? JdnnNative.op_scatter_add(g.h(), dim, idx, z.h())
          : JdnnNative.op_index_add(g.h(), dim, idx, z.h()));
    } catch (RuntimeException e) {
      z.close();
      throw e;
    }
    return z;
  }

  /** Closes {@code t} and rethrows when {@code status} reports an error. */
  private static void checkOrClose(int status, Tensor t) {
    try {
      NativeErrors.check(status);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /** x.index_select(dim, index): y[.., j, ..] = x[.., index[j], ..] along {@code dim}; index 1-D (or a scalar). */
  static Tensor indexSelect(Tensor x, int dim, Tensor index) {
    x.h();
    requireIndex("indexSelect", index);
    Tensor.requireSameDevice("indexSelect", x, index);
    if (index.rank() > 1) {
      throw new IllegalArgumentException("indexSelect: index must be 1-D (or a scalar), got " + index.describe()
          + "; flatten it first");
    }
    int rank = x.rank();
    if (rank == 0) {
      throw new IllegalArgumentException("indexSelect: cannot index a scalar (rank 0) " + x.describe()
          + "; reshape it to [1] first");
    }
    int d = LayoutOps.resolveDim("indexSelect", x, dim, rank);
    long[] shape = x.shape();
    shape[d] = index.numel();
    Tensor y = Tensor.empty(x.dtype(), x.device(), shape);
    try (Tensor flat = index.rank() == 0 ? index.reshape(1) : null) {
      Tensor idx = flat == null ? index : flat;
      checkOrClose(JdnnNative.op_index_select(x.h(), d, idx.h(), y.h()), y);
    }
    if (!x.dtype().isFloatingPoint()) return y;
    long[] xs = x.shapeRef();
    return Autograd.record("indexSelect", y, g -> new Tensor[] {addedIntoZeros(g, index, xs, false, d), null},
        x, index);
  }

  /** The index's shape must fit {@code t} outside {@code dim} (inside too when {@code all}). */
  private static void requireWithin(String op, Tensor index, Tensor t, String what, int d, boolean all) {
    long[] is = index.shapeRef(), ts = t.shapeRef();
    if (is.length != ts.length) {
      throw new IllegalArgumentException(op + ": index " + index.describe() + " must have the rank of " + what + " "
          + t.describe());
    }
    for (int k = 0; k < is.length; k++) {
      if ((all || k != d) && is[k] > ts[k]) {
        throw new IllegalArgumentException(op + ": index " + index.describe() + " is larger than " + what + " "
            + t.describe() + " in dimension " + k + " (" + is[k] + " > " + ts[k] + ")"
            + (all ? "" : "; only dimension " + d + " may be larger"));
      }
    }
  }

  /** x.gather(dim, index): y[p] = x[p with p[dim] = index[p]], y of index's shape. */
  static Tensor gather(Tensor x, int dim, Tensor index) {
    x.h();
    requireIndex("gather", index);
    Tensor.requireSameDevice("gather", x, index);
    int rank = x.rank();
    if (rank == 0) {
      throw new IllegalArgumentException("gather: cannot gather from a scalar (rank 0) " + x.describe()
          + "; reshape it to [1] first");
    }
    int d = LayoutOps.resolveDim("gather", x, dim, rank);
    LayoutOps.requireMaxDims("gather", x, rank);
    requireWithin("gather", index, x, "input", d, false);
    Tensor y = Tensor.empty(x.dtype(), x.device(), index.shape());
    checkOrClose(JdnnNative.op_gather(x.h(), d, index.h(), y.h()), y);
    if (!x.dtype().isFloatingPoint()) return y;
    long[] xs = x.shapeRef();
    return Autograd.record("gather", y, g -> new Tensor[] {addedIntoZeros(g, index, xs, true, d), null}, x, index);
  }

  /**
   * x.scatter_add(dim, index, src), out of place: a copy of x with src[p] added at p with p[dim] =
   * index[p], for p over index's shape. Gradients: x gets the output's gradient unchanged, src gets
   * it gathered at the index.
   */
  static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
    x.requireFloat("scatterAdd");
    requireIndex("scatterAdd", index);
    if (src == null) throw new IllegalArgumentException("scatterAdd: src must not be null");
    src.h();
    Tensor.requireSameDevice("scatterAdd", x, index, src);
    if (src.dtype() != x.dtype()) {
      throw new IllegalArgumentException("scatterAdd: src " + src.describe() + " must have the dtype of "
          + x.describe());
    }
    int rank = x.rank();
    if (rank == 0) {
      throw new IllegalArgumentException("scatterAdd: cannot scatter into a scalar (rank 0) " + x.describe()
          + "; reshape it to [1] first");
    }
    int d = LayoutOps.resolveDim("scatterAdd", x, dim, rank);
    LayoutOps.requireMaxDims("scatterAdd", x, rank);
    requireWithin("scatterAdd", index, x, "input", d, false);
    requireWithin("scatterAdd", index, src, "src", d, true);
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    checkOrClose(JdnnNative.tensor_copy(x.h(), y.h()), y);
    checkOrClose(JdnnNative.op_scatter_add(src.h(), d, index.h(), y.h()), y);
    long[] ss = src.shapeRef();
    return Autograd.record("scatterAdd", y, g -> {
      Tensor dsrc = null;
      if (src.requiresGrad()) {
        // src positions outside the index's shape received nothing: their gradient is 0
        Tensor picked = gather(g, d, index);
        dsrc = Arrays.equals(ss, index.shapeRef()) ? picked : padTo(picked, ss);
      }
      return new Tensor[] {x.requiresGrad() ? g : null, null, dsrc};
    }, x, index, src);
  }

  /** t (whose shape fits in {@code shape}) at the front corner of zeros of {@code shape}. */
  private static Tensor padTo(Tensor t, long[] shape) {
    long[] ts = t.shapeRef();
    long[] after = new long[ts.length];
    for (int k = 0; k < ts.length; k++) after[k] = shape[k] - ts[k];
    try (t) {
      return PadOps.embed(t, new long[ts.length], after, 0);
    }
  }
}
