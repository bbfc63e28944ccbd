package org.jdnn.nn;

import org.jdnn.tensor.Pool2dGeometry;
import org.jdnn.tensor.Tensor;

/**
 * What MaxPool2d and AvgPool2d share: the window (a {@link Pool2dGeometry}: kernel, stride and
 * padding per axis, validated when the layer is made), the input check and the FLOP count (kh kw
 * per output element). Subclasses only say how a window is reduced.
 */
abstract class Pool2d extends Layer {
  final Pool2dGeometry window;
  private final String name;

  Pool2d(String type, String extra, int kh, int kw, int sh, int sw, int ph, int pw) {
    this.window = new Pool2dGeometry(kh, kw, sh, sw, ph, pw);
    this.name = type + "(" + describe(kh, kw, sh, sw, ph, pw) + extra + ")";
    window.validate(name);
  }

  /** Writes the window: "kernel", "stride" and "padding", each [h, w]. */
  void writeWindow(SettingsWriter s) {
    s.putArray("kernel", kernelSize()).putArray("stride", stride()).putArray("padding", padding());
  }

  /** Reads what {@link #writeWindow} wrote, checked as the constructor checks it (padding against the kernel). */
  static Pool2dGeometry readWindow(SettingsReader s) {
    int[] k = s.intPair("kernel", 1, SettingsReader.MAX_WINDOW);
    int[] st = s.intPair("stride", 1, SettingsReader.MAX_WINDOW);
    int[] p = s.intPair("padding", 0, SettingsReader.MAX_WINDOW);
    Pool2dGeometry window = new Pool2dGeometry(k[0], k[1], st[0], st[1], p[0], p[1]);
    window.validate("architecture: " + s.where());
    return window;
  }

  /**
   * The window's size.
   *
   * @return a new array {height, width}
   */
  public int[] kernelSize() {
    return new int[] {window.kh(), window.kw()};
  }

  /**
   * The step between windows.
   *
   * @return a new array {height, width}
   */
  public int[] stride() {
    return new int[] {window.strideH(), window.strideW()};
  }

  /**
   * The padding added on each side.
   *
   * @return a new array {height, width}
   */
  public int[] padding() {
    return new int[] {window.padH(), window.padW()};
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, C, H, W) input, float32 or float64
   * @return the new (N, C, H', W') output, H' = floor((H + 2 padH - kh) / strideH) + 1 and W' alike
   * @throws IllegalArgumentException when x is not of rank 4 or the window is larger than the
   *     padded input
   */
  @Override
  public final Tensor forward(Tensor x) {

    checkInput(name, x);
    return pool(x, name);
  }

  /** Reduces every window of the NCHW input {@code x}. */
  abstract Tensor pool(Tensor x, String layer);

  @Override
  public long flops(long[] in, long[] out) {
    return (long) window.kh() * window.kw() * Shapes.numel(out);
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
