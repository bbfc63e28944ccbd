package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Constant padding of the last dimensions, as torch.nn.functional.pad with mode "constant": the
 * pads come in (before, after) pairs from the last dimension backwards; a negative pad crops. Built
 * on narrow and narrow_assign (no kernel of its own), one autograd node: the gradient crops the
 * padding off again and puts back zeros where the input was cropped.
 */
final class PadOps {
  private PadOps() {}

  /** x padded by {@code pads} with {@code value}. */
  static Tensor pad(Tensor x, long[] pads, double value) {
    x.h();
    int rank = x.rank();
    if (pads == null || pads.length % 2 != 0 || pads.length / 2 > rank) {
      throw new IllegalArgumentException("pad: expected an even number of pads, at most 2 per dimension of "
          + x.describe() + " ((before, after) pairs from the last dimension), got "
          + (pads == null ? "null" : Arrays.toString(pads)));
    }
    long[] xs = x.shapeRef();
    long[] before = new long[rank], after = new long[rank];
    for (int p = 0; p < pads.length / 2; p++) {
      int d = rank - 1 - p;
      before[d] = pads[2 * p];
      after[d] = pads[2 * p + 1];
      if (xs[d] + before[d] + after[d] < 0) {
        throw new IllegalArgumentException("pad: pads (" + before[d] + ", " + after[d] + ") of dimension " + d
            + " crop more than its size " + xs[d] + " in " + x.describe());
      }
    }
    long[] cropBefore = new long[rank], cropAfter = new long[rank], padBefore = new long[rank],
        padAfter = new long[rank];
    for (int d = 0; d < rank; d++) {
      cropBefore[d] = Math.max(0, -before[d]);
      cropAfter[d] = Math.max(0, -after[d]);
      padBefore[d] = Math.max(0, before[d]);
      padAfter[d] = Math.max(0, after[d]);
    }
    Tensor y;
    try (Tensor cropped = crop(x, cropBefore, cropAfter)) {
      y = embed(cropped, padBefore, padAfter, value);
    }
    if (!x.dtype().isFloatingPoint()) return y;
    return Autograd.record("pad", y, g -> {
      try (Tensor inner = crop(g, padBefore, padAfter)) {
        return new Tensor[] {embed(inner, cropBefore, cropAfter, 0)};
      }
    }, x);
  }

  /**
   * t without {@code lo[d]} leading and {@code hi[d]} trailing elements of each dimension d; not
   * recorded. Returns a view of t itself when nothing is cropped (closing it leaves t open).
   */
  static Tensor crop(Tensor t, long[] lo, long[] hi) {
    Tensor cur = t.detach();
    for (int d = 0; d < lo.length; d++) {
      if (lo[d] == 0 && hi[d] == 0) continue;
      long[] shape = cur.shape();
      shape[d] -= lo[d] + hi[d];
      Tensor next = Tensor.empty(t.dtype(), t.device(), shape);
      try {
        NativeErrors.check(JdnnNative.op_narrow(cur.h(), next.h(), d, lo[d]));
      } catch (RuntimeException e) {
        next.close();
        throw e;
      } finally {
        cur.close();
      }
      cur = next;
    }
    return cur;
  }

  /** t surrounded by {@code lo[d]} leading and {@code hi[d]} trailing elements of {@code value} per dimension; not recorded. */
  static Tensor embed(Tensor t, long[] lo, long[] hi, double value) {
    if (Arrays.stream(lo).allMatch(n -> n == 0) && Arrays.stream(hi).allMatch(n -> n == 0)) {
      Tensor copy = Tensor.empty(t.dtype(), t.device(), t.shapeRef());  // a new tensor even with nothing to add
      NativeErrors.check(JdnnNative.tensor_copy(t.h(), copy.h()));
      return copy;
    }
    Tensor cur = t.detach();
    for (int d = lo.length - 1; d >= 0; d--) {
      if (lo[d] == 0 && hi[d] == 0) continue;
      long[] shape = cur.shape();
      shape[d] += lo[d] + hi[d];
      Tensor next = Tensor.empty(t.dtype(), t.device(), shape);
      try {
        NativeErrors.check(JdnnNative.tensor_fill(next.h(), value));
        NativeErrors.check(JdnnNative.op_narrow_assign(cur.h(), next.h(), d, lo[d]));
      } catch (RuntimeException e) {
        next.close();
        throw e;
      } finally {
        cur.close();
      }
      cur = next;
    }
    return cur;
  }
}
