package org.jdnn.tensor;

/** Argument checks shared by the op families that take a layer name (conv, pool, batch norm, dropout). */
final class OpChecks {
  private OpChecks() {}

  /** The native handle of an optional tensor: 0 for null. */
  static long handle(Tensor t) {
    return t == null ? 0 : t.h();
  }

  // Both checks touch h() first, so a closed tensor fails before any output is allocated.
  static void requireFloat(String layer, Tensor x, String what) {
    x.h();
    if (!x.dtype().isFloatingPoint() || x.dtype().isHalf()) {
      throw new IllegalArgumentException(layer + ": expected a float32 or float64 " + what + ", got " + x.describe()
          + Tensor.halfHint(x.dtype()));
    }
  }

  static void requireSameKind(String layer, Tensor x, Tensor t, String what) {
    t.h();
    Tensor.requireSameDevice(layer, x, t);
    if (t.dtype() != x.dtype()) {
      throw new IllegalArgumentException(layer + ": " + what + " " + t.describe() + " must have the input's dtype,"
          + " input is " + x.describe());
    }
  }
}
