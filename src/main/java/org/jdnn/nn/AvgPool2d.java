package org.jdnn.nn;

import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Tensor;

/**
 * Average pooling over kh x kw windows of NCHW inputs. With {@code countIncludePad} (PyTorch's
 * default) padding zeros count in the average; without, only real cells do.
 */
public final class AvgPool2d extends Pool2d {
  private final boolean countIncludePad;

  public AvgPool2d(int kernel) {
    this(kernel, kernel, kernel, kernel, 0, 0, true);
  }

  public AvgPool2d(int kernel, int stride, int padding, boolean countIncludePad) {
    this(kernel, kernel, stride, stride, padding, padding, countIncludePad);
  }

  public AvgPool2d(int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
    super("AvgPool2d", countIncludePad ? "" : ", padding not counted", kh, kw, sh, sw, ph, pw);
    this.countIncludePad = countIncludePad;
  }

  /** Whether padding zeros count in the average. */
  public boolean countIncludePad() {
    return countIncludePad;
  }

  @Override
  Tensor pool(Tensor x, String layer) {
    return PoolOps.avgPool2d(x, window, countIncludePad, layer);
  }
}
