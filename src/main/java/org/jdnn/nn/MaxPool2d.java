package org.jdnn.nn;

import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.Tensor;

/** Max pooling over kh x kw windows of NCHW inputs; padding counts as -infinity. Stride defaults to the kernel. */
public final class MaxPool2d extends Module {
  private final int kh, kw, sh, sw, ph, pw;
  private final String name;

  public MaxPool2d(int kernel) {
    this(kernel, kernel, kernel, kernel, 0, 0);
  }

  public MaxPool2d(int kernel, int stride, int padding) {
    this(kernel, kernel, stride, stride, padding, padding);
  }

  public MaxPool2d(int kh, int kw, int sh, int sw, int ph, int pw) {
    this.kh = kh;
    this.kw = kw;
    this.sh = sh;
    this.sw = sw;
    this.ph = ph;
    this.pw = pw;
    this.name = "MaxPool2d(" + Pooling.describe(kh, kw, sh, sw, ph, pw) + ")";
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

  @Override
  public Tensor forward(Tensor x) {
    Pooling.checkInput(name, x);
    return ConvOps.maxPool2d(x, kh, kw, sh, sw, ph, pw, name);
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
