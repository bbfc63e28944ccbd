package org.jdnn.nn;

import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.Tensor;

/**
 * Average pooling over kh x kw windows of NCHW inputs. With {@code countIncludePad} (PyTorch's
 * default) padding zeros count in the average; without, only real cells do.
 */
public final class AvgPool2d extends Module {
  private final int kh, kw, sh, sw, ph, pw;
  private final boolean countIncludePad;
  private final String name;

  public AvgPool2d(int kernel) {
    this(kernel, kernel, kernel, kernel, 0, 0, true);
  }

  public AvgPool2d(int kernel, int stride, int padding, boolean countIncludePad) {
    this(kernel, kernel, stride, stride, padding, padding, countIncludePad);
  }

  public AvgPool2d(int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
    this.kh = kh;
    this.kw = kw;
    this.sh = sh;
    this.sw = sw;
    this.ph = ph;
    this.pw = pw;
    this.countIncludePad = countIncludePad;
    this.name = "AvgPool2d(" + Pooling.describe(kh, kw, sh, sw, ph, pw) + (countIncludePad ? "" : ", padding not counted") + ")";
    Pooling.validate(name, kh, kw, sh, sw, ph, pw);
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

  /** Whether padding zeros count in the average. */
  public boolean countIncludePad() {
    return countIncludePad;
  }

  @Override
  public Tensor forward(Tensor x) {
    Pooling.checkInput(name, x);
    return ConvOps.avgPool2d(x, kh, kw, sh, sw, ph, pw, countIncludePad, name);
  }

  @Override
  public long flops(long[] in, long[] out) {
    return (long) kh * kw * Shapes.numel(out);
  }

  @Override
  public String describe() {
    return name;
  }
}
