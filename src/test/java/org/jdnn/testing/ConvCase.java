package org.jdnn.testing;

import org.jdnn.tensor.Conv2dGeometry;
import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.Tensor;

/**
 * One 2-D convolution under test, as the op database's rows, the convolution tests and the device
 * parity tests describe it: input (n, c, h, w), weight (cout, c / groups, kh, kw), strides,
 * paddings (top, left, bottom, right), dilations, groups and whether a bias is added.
 */
public final class ConvCase {
  public final String name;
  public final int n, c, h, w, cout, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups;
  public final boolean bias;

  public ConvCase(String name, int n, int c, int h, int w, int cout, int kh, int kw, int sh, int sw, int pt, int pl,
      int pb, int pr, int dh, int dw, int groups, boolean bias) {
    this.name = name;
    this.n = n;
    this.c = c;
    this.h = h;
    this.w = w;
    this.cout = cout;
    this.kh = kh;
    this.kw = kw;
    this.sh = sh;
    this.sw = sw;
    this.pt = pt;
    this.pl = pl;
    this.pb = pb;
    this.pr = pr;
    this.dh = dh;
    this.dw = dw;
    this.groups = groups;
    this.bias = bias;
  }

  public Conv2dGeometry geometry() {
    return new Conv2dGeometry(sh, sw, pt, pl, pb, pr, dh, dw, groups);
  }

  /** Output height, PyTorch's floor formula written out here (not taken from the geometry under test). */
  public int oh() {
    return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
  }

  /** Output width, as {@link #oh()}. */
  public int ow() {
    return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
  }

  public long[] xShape() {
    return new long[] {n, c, h, w};
  }

  public long[] wShape() {
    return new long[] {cout, c / groups, kh, kw};
  }

  /** The number of weight values. */
  public int wsize() {
    return cout * (c / groups) * kh * kw;
  }

  /** conv2d of the given tensors with this geometry, errors naming the layer "Conv2d(name)". */
  public Tensor run(Tensor x, Tensor wt, Tensor b) {
    return ConvOps.conv2d(x, wt, b, geometry(), "Conv2d(" + name + ")");
  }

  @Override
  public String toString() {
    return name;
  }
}
