package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Selection by a boolean mask: where (element-wise choice between two tensors), maskedFill and
 * maskedSelect. A mask or condition is a uint8 tensor (jdnn's stand-in for PyTorch's bool), any
 * nonzero value counting as true; it broadcasts as PyTorch's does. Messages start with the op's
 * name.
 */
final class WhereOps {
  private WhereOps() {}

  static void requireMask(String op, String what, Tensor mask) {
    if (mask == null) throw new IllegalArgumentException(op + ": " + what + " must not be null");
    mask.h();
    if (mask.dtype() != DType.UINT8) {
      throw new IllegalArgumentException(op + ": " + what + " must be uint8 (0 or 1, PyTorch's bool), got "
          + mask.describe() + "; make one with Tensor.ofBytes or convert with .to(DType.UINT8)");
    }
  }

  /** The NumPy broadcast of the shapes, or an error naming {@code op} and the tensors. */
  static long[] broadcastShape(String op, Tensor... ts) {
    int rank = 0;
    for (Tensor t : ts) rank = Math.max(rank, t.rank());
    long[] out = new long[rank];
    Arrays.fill(out, 1);
    for (Tensor t : ts) {
      long[] s = t.shapeRef();
      for (int i = s.length - 1, o = rank - 1; i >= 0; i--, o--) {
        if (s[i] == out[o] || s[i] == 1) continue;
        if (out[o] != 1) {
          StringBuilder all = new StringBuilder();
          for (Tensor u : ts) all.append(all.length() == 0 ? "" : ", ").append(u.describe());
          throw new IllegalArgumentException(op + ": shapes do not broadcast (" + all + "): dimension " + o
              + " is " + out[o] + " in one and " + s[i] + " in another; sizes must match or be 1");
        }
        out[o] = s[i];
      }
    }
    return out;
  }

  /** out (of {@code shape}) = cond ? a : b, not recorded. */
  private static Tensor select(Tensor cond, Tensor a, Tensor b, long[] shape) {
    Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
    try {
      NativeErrors.check(JdnnNative.op_where(cond.h(), a.h(), b.h(), out.h()));
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
    return out;
  }

  /** g where cond is true (when {@code whereTrue}, else where false), 0 elsewhere, summed to {@code shape}. */
  private static Tensor maskedGrad(Tensor g, Tensor cond, boolean whereTrue, long[] shape) {
    try (Tensor zero = Tensor.empty(g.dtype(), g.device())) {
      NativeErrors.check(JdnnNative.tensor_fill(zero.h(), 0));
      Tensor picked = whereTrue ? select(cond, g, zero, g.shapeRef()) : select(cond, zero, g, g.shapeRef());
      if (Arrays.equals(picked.shapeRef(), shape)) return picked;
      try (picked) {
        return ReduceOps.sumTo(picked, shape);
      }
    }
  }

  /**
   * where(cond, a, b): a where cond is nonzero, else b, all three broadcast together. a and b of different dtypes are
   * promoted as PyTorch promotes them ({@link TypePromotion}); each one's gradient comes back in its own dtype.
   */
  static Tensor where(Tensor cond, Tensor a, Tensor b) {
    requireMask("where", "condition", cond);
    if (a == null || b == null) throw new IllegalArgumentException("where: a and b must not be null");
    a.h();
    b.h();
    Tensor.requireSameDevice("where", cond, a, b);
    long[] shape = broadcastShape("where", cond, a, b);
    if (shape.length > LayoutOps.MAX_DIMS) {
      throw new IllegalArgumentException("where: takes at most " + LayoutOps.MAX_DIMS + " dimensions, the operands"
          + " broadcast to " + Arrays.toString(shape));
    }
    DType type = TypePromotion.resultType(a, b);
    Tensor[] pair = TypePromotion.convertedPair(a, b, type);
    Tensor ca = pair[0], cb = pair[1];
    Tensor out;
    try {
      out = select(cond, ca, cb, shape);
    } finally {
      if (ca != a) ca.close();  // the backward reads only cond and the gradient
      if (cb != b) cb.close();
    }
    if (!type.isFloatingPoint()) return out;
    long[] as = a.shapeRef(), bs = b.shapeRef();
    // gradients in the promoted type; the engine casts each to its input's (Autograd.backward)
    return Autograd.record("where", out, g -> new Tensor[] {null,
        a.requiresGrad() ? maskedGrad(g, cond, true, as) : null,
        b.requiresGrad() ? maskedGrad(g, cond, false, bs) : null}, cond, a, b);
  }

  /** x.masked_fill(mask, value): x with {@code value} where the mask (broadcast to x's shape) is nonzero. */
  static Tensor maskedFill(Tensor x, Tensor mask, double value) {
    x.h();
    requireMask("maskedFill", "mask", mask);
    Tensor.requireSameDevice("maskedFill", x, mask);
    long[] xs = x.shapeRef();
    if (!Arrays.equals(broadcastShape("maskedFill", x, mask), xs)) {
      throw new IllegalArgumentException("maskedFill: mask " + mask.describe() + " does not broadcast to "
          + x.describe() + "; the mask may repeat along x's dimensions but not add to them");
    }
    LayoutOps.requireMaxDims("maskedFill", x, xs.length);
    Tensor out;
    try (Tensor v = Tensor.empty(x.dtype(), x.device())) {
      NativeErrors.check(JdnnNative.tensor_fill(v.h(), value));
      out = select(mask, v, x, xs);
    }
    if (!x.dtype().isFloatingPoint()) return out;
    return Autograd.record("maskedFill", out, g -> new Tensor[] {maskedGrad(g, mask, false, xs), null}, x, mask);
  }

  /**
   * x.masked_select(mask): the elements of x (broadcast with the mask) where the mask is nonzero, in
   * row-major order, as a 1-D tensor. Its length depends on the mask's values, so the mask is read
   * on the host: on a GPU this waits for the device. The gradient goes back to the selected places.
   */
  static Tensor maskedSelect(Tensor x, Tensor mask) {
    x.h();
    requireMask("maskedSelect", "mask", mask);
    Tensor.requireSameDevice("maskedSelect", x, mask);
    long[] shape = broadcastShape("maskedSelect", x, mask);
    if (shape.length > LayoutOps.MAX_DIMS) {
      throw new IllegalArgumentException("maskedSelect: takes at most " + LayoutOps.MAX_DIMS + " dimensions, x and"
          + " the mask broadcast to " + Arrays.toString(shape));
    }
    long n = 1;
    for (long s : shape) n *= s;
    Tensor index;
    Tensor out;
    try (GradMode.Guard off = GradMode.disable();
        Tensor fullMask = Arrays.equals(mask.shapeRef(), shape) ? mask.detach() : LayoutOps.expand(mask, shape);
        Tensor hostMask = fullMask.to(Device.cpu());
        Tensor fullX = Arrays.equals(x.shapeRef(), shape) ? x.detach() : LayoutOps.expand(x, shape);
        Tensor flatX = fullX.reshape(n)) {
      byte[] bits = hostMask.toByteArray();
      int count = 0;
      for (byte b : bits) if (b != 0) count++;
      long[] at = new long[count];
      for (int i = 0, k = 0; i < bits.length; i++) if (bits[i] != 0) at[k++] = i;
      index = NarrowOps.onDevice(Tensor.ofLongs(at, count), x.device());
      out = Tensor.empty(x.dtype(), x.device(), count);
      try {
        NativeErrors.check(JdnnNative.op_index_select(flatX.h(), 0, index.h(), out.h()));
      } catch (RuntimeException e) {
        out.close();
        index.close();
        throw e;
      }
    }
    if (!x.dtype().isFloatingPoint()) {
      index.close();
      return out;
    }
    long[] xs = x.shapeRef();
    long total = n;
    return Autograd.recordSaving("maskedSelect", out, new Tensor[] {index}, g -> {
      Tensor full = IndexOps.addedIntoZeros(g, index, new long[] {total}, false, 0).reshape(shape);
      if (Arrays.equals(shape, xs)) return new Tensor[] {full, null};
      return new Tensor[] {ReduceOps.sumTo(full, xs), null};
    }, x, mask);
  }
}
