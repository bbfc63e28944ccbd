package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * The window geometry MaxPool2d and AvgPool2d share: kernel, stride and padding per axis,
 * validated once (padding at most half the kernel, as PyTorch requires), and the FLOP count
 * (kh kw per output element). Subclasses only say how a window is reduced.
 */
abstract class Pool2d extends Layer {
  final int kh, kw, sh, sw, ph, pw;
  private final String name;

  Pool2d(String type, String extra, int kh, int kw, int sh, int sw, int ph, int pw) {
    this.kh = kh;
    this.kw = kw;
    this.sh = sh;
    this.sw = sw;
    this.ph = ph;
    this.pw = pw;
    this.name = type + "(" + describe(kh, kw, sh, sw, ph, pw) + extra + ")";
    if (kh <= 0 || kw <= 0) throw new IllegalArgumentException(name + ": kernel must be positive, got " + kh + "x" + kw);
    if (sh <= 0 || sw <= 0) throw new IllegalArgumentException(name + ": stride must be positive, got " + sh + "x" + sw);
    if (ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw) {
      throw new IllegalArgumentException(name + ": padding must be in [0, kernel/2], got " + ph + "x" + pw
          + " for kernel " + kh + "x" + kw);
    }
  }

  /** Window {height, width}. */
  public int[] kernelSize() {
    return new int[] {kh, kw};
  }

  /** Stride {height, width}. */
  public int[] stride() {
    return new int[] {sh, sw};
  }

  /** Padding per side {height, width}. */
  public int[] padding() {
    return new int[] {ph, pw};
  }

  @Override
  public final Tensor forward(Tensor x) {
    checkInput(name, x);
    return pool(x, name);
  }

  /** Reduces every window of the NCHW input {@code x}. */
  abstract Tensor pool(Tensor x, String layer);

  @Override
  public long flops(long[] in, long[] out) {
    return (long) kh * kw * Shapes.numel(out);
  }

  @Override
  public String describe() {
    return name;
  }

  static void checkInput(String name, Tensor x) {
    if (x.rank() != 4) throw new IllegalArgumentException(name + ": expected input of shape [N, C, H, W], got " + x.describe());
  }

  private static String describe(int kh, int kw, int sh, int sw, int ph, int pw) {
    String s = "kernel " + (kh == kw ? "" + kh : kh + "x" + kw);
    if (sh != kh || sw != kw) s += ", stride " + (sh == sw ? "" + sh : sh + "x" + sw);
    if (ph != 0 || pw != 0) s += ", padding " + (ph == pw ? "" + ph : ph + "x" + pw);
    return s;
  }
}
