package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Concatenation along one dimension with its gradient (the gradient is sliced back).
 * org.jdnn.nn's Concat builds on it.
 *
 * <p>Each op checks its arguments before any native code runs and throws an
 * {@link IllegalArgumentException} whose message starts with the {@code layer} name and gives the
 * expected and the actual values.
 */
public final class ConcatOps {
  private ConcatOps() {}

  /**
   * Concatenates {@code xs} along {@code dim} (negative counts from the end). All tensors need the
   * same rank, device and sizes in every other dimension; mixed dtypes are promoted as torch.cat promotes them (see
   * {@link DType}), each input's gradient sliced back (in the promoted type; the autograd engine casts it to the input's).
   *
   * @param dim the dimension to join along, in [-rank, rank)
   * @param layer the layer or op named first in error messages
   * @param xs one or more tensors; not closed
   * @return a new tensor, its {@code dim} the sum of theirs
   * @throws IllegalArgumentException when no tensor is given, {@code dim} is out of range, or the
   *     tensors differ in rank, device or another dimension
   */
  public static Tensor concat(int dim, String layer, Tensor... xs) {
    if (xs == null || xs.length == 0) {
      throw new IllegalArgumentException(layer + ": expected at least one tensor to concatenate, got none");
    }
    for (int i = 0; i < xs.length; i++) {
      if (xs[i] == null) throw new IllegalArgumentException(layer + ": tensor " + i + " is null");
      xs[i].h(); // closed inputs fail before the output is allocated
    }
    Tensor first = xs[0];
    int rank = first.rank();
    if (rank == 0) {
      throw new IllegalArgumentException(layer + ": cannot concatenate scalars (rank 0), got " + first.describe());
    }
    int d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException(layer + ": dimension " + dim + " is out of range for rank " + rank
          + " (tensor 0 " + first.describe() + ")");
    }
    long total = 0;
    for (int i = 0; i < xs.length; i++) {
      Tensor t = xs[i];
      Tensor.requireSameDevice(layer, first, t);
      boolean match = t.rank() == rank;
      for (int k = 0; match && k < rank; k++) match = k == d || t.dim(k) == first.dim(k);
      if (!match) {
        String[] expected = new String[rank];
        for (int k = 0; k < rank; k++) expected[k] = k == d ? "*" : Long.toString(first.dim(k));
        String pattern = Arrays.toString(expected);
        throw new IllegalArgumentException(layer + ": tensor " + i + " has shape " + t.describe() + ", expected "
            + pattern + " to match tensor 0 " + first.describe() + " in every dimension but " + d);
      }
      total += t.dim(d);
    }
    long[] shape = first.shape();
    shape[d] = total;
    DType type = TypePromotion.resultType(xs);  // torch.cat promotes mixed dtypes
    Tensor out = Tensor.empty(type, first.device(), shape);
    long start = 0;
    long[] starts = new long[xs.length];
    try {
      for (int i = 0; i < xs.length; i++) {
        starts[i] = start;
        Tensor part = TypePromotion.converted(xs[i], type);
        try {
          NativeErrors.check(JdnnNative.op_narrow_assign(part.h(), out.h(), d, start));
        } finally {
          if (part != xs[i]) part.close();
        }
        start += xs[i].dim(d);
      }
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
    if (!type.isFloatingPoint()) return out;
    return Autograd.record(layer, out, g -> {
      Tensor[] grads = new Tensor[xs.length];
      for (int i = 0; i < xs.length; i++) {
        if (!xs[i].requiresGrad()) continue;
        grads[i] = Tensor.empty(g.dtype(), g.device(), xs[i].shapeRef());
        NativeErrors.check(JdnnNative.op_narrow(g.h(), grads[i].h(), d, starts[i]));
      }
      return grads;
    }, xs);
  }

  /**
   * Stacks {@code xs} along a new dimension {@code dim} in [-rank - 1, rank]: all tensors need the
   * same shape and device (mixed dtypes are promoted, as for concat). One copy per input into the result (each seen as a slice of
   * size 1); the gradient is sliced back.
   */
  static Tensor stack(int dim, Tensor... xs) {
    String op = "stack";
    if (xs == null || xs.length == 0) {
      throw new IllegalArgumentException(op + ": expected at least one tensor to stack, got none");
    }
    for (int i = 0; i < xs.length; i++) {
      if (xs[i] == null) throw new IllegalArgumentException(op + ": tensor " + i + " is null");
      xs[i].h();
    }
    Tensor first = xs[0];
    long[] shape = first.shapeRef();
    int d = LayoutOps.resolveDim(op, first, dim, shape.length + 1);
    for (int i = 1; i < xs.length; i++) {
      Tensor.requireSameDevice(op, first, xs[i]);
      if (!Arrays.equals(xs[i].shapeRef(), shape)) {
        throw new IllegalArgumentException(op + ": tensor " + i + " is " + xs[i].describe() + " but tensor 0 is "
            + first.describe() + ": stacked tensors need one shape");
      }
    }
    long[] slot = new long[shape.length + 1];
    for (int k = 0, j = 0; k < slot.length; k++) slot[k] = k == d ? 1 : shape[j++];
    long[] outShape = slot.clone();
    outShape[d] = xs.length;
    DType type = TypePromotion.resultType(xs);  // torch.stack promotes mixed dtypes
    Tensor out = Tensor.empty(type, first.device(), outShape);
    try {
      for (int i = 0; i < xs.length; i++) {
        Tensor converted = TypePromotion.converted(xs[i], type);
        try (Tensor part = LayoutOps.view(converted, slot)) {
          NativeErrors.check(JdnnNative.op_narrow_assign(part.h(), out.h(), d, i));
        } finally {
          if (converted != xs[i]) converted.close();
        }
      }
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
    if (!type.isFloatingPoint()) return out;
    return Autograd.record(op, out, g -> {
      Tensor[] grads = new Tensor[xs.length];
      for (int i = 0; i < xs.length; i++) {
        if (!xs[i].requiresGrad()) continue;
        grads[i] = Tensor.empty(g.dtype(), g.device(), shape);
        try (Tensor part = LayoutOps.view(grads[i], slot)) {
          NativeErrors.check(JdnnNative.op_narrow(g.h(), part.h(), d, i));
        }
      }
      return grads;
    }, xs);
  }
}
