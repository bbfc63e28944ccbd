package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** Argument checks and descriptions shared by the pooling layers. */
final class Pooling {
  private Pooling() {}

  static void validate(String name, int kh, int kw, int sh, int sw, int ph, int pw) {
    if (kh <= 0 || kw <= 0) throw new IllegalArgumentException(name + ": kernel must be positive, got " + kh + "x" + kw);
    if (sh <= 0 || sw <= 0) throw new IllegalArgumentException(name + ": stride must be positive, got " + sh + "x" + sw);
    if (ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw) {
      throw new IllegalArgumentException(name + ": padding must be in [0, kernel/2], got " + ph + "x" + pw
          + " for kernel " + kh + "x" + kw);
    }
  }

  static void checkInput(String name, Tensor x) {
    if (x.rank() != 4) throw new IllegalArgumentException(name + ": expected input of shape [N, C, H, W], got " + x.describe());
  }

  static String describe(int kh, int kw, int sh, int sw, int ph, int pw) {
    String s = "kernel " + (kh == kw ? "" + kh : kh + "x" + kw);
    if (sh != kh || sw != kw) s += ", stride " + (sh == sw ? "" + sh : sh + "x" + sw);
    if (ph != 0 || pw != 0) s += ", padding " + (ph == pw ? "" + ph : ph + "x" + pw);
    return s;
  }
}
