package org.jdnn.nn;

import org.jdnn.tensor.Pool2dGeometry;
import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Tensor;

/** Max pooling over kh x kw windows of NCHW inputs; padding counts as -infinity. Stride defaults to the kernel. */
public final class MaxPool2d extends Pool2d {
  /** Saved as {"type": "MaxPool2d", "kernel": [h, w], "stride": [h, w], "padding": [h, w]}. */
  public static final LayerType<MaxPool2d> TYPE = LayerType.of("MaxPool2d", MaxPool2d.class, Pool2d::writeWindow, in -> {
    Pool2dGeometry w = readWindow(in);
    return LayerType.plan((children, init) -> new MaxPool2d(w.kh(), w.kw(), w.strideH(), w.strideW(), w.padH(), w.padW()));
  });

  /**
   * Square windows of side {@code kernel}, stride {@code kernel}, no padding.
   *
   * @param kernel the window's side, at least 1
   * @throws IllegalArgumentException when the geometry is invalid
   */
  public MaxPool2d(int kernel) {
    this(kernel, kernel, kernel, kernel, 0, 0);
  }

  /**
   * Square windows with the same stride and padding on both axes.
   *
   * @param kernel the window's side, at least 1
   * @param stride the step between windows, at least 1
   * @param padding cells added on each side (never the maximum), at least 0 and at most half the
   *     kernel
   * @throws IllegalArgumentException when the geometry is invalid
   */
  public MaxPool2d(int kernel, int stride, int padding) {
    this(kernel, kernel, stride, stride, padding, padding);
  }

  /**
   * Windows of kh x kw with per-axis stride and padding.
   *
   * @param kh window height, at least 1
   * @param kw window width, at least 1
   * @param sh vertical stride, at least 1
   * @param sw horizontal stride, at least 1
   * @param ph cells added above and below, at least 0 and at most kh / 2
   * @param pw cells added left and right, at least 0 and at most kw / 2
   * @throws IllegalArgumentException when the geometry is invalid
   */
  public MaxPool2d(int kh, int kw, int sh, int sw, int ph, int pw) {

    super("MaxPool2d", "", kh, kw, sh, sw, ph, pw);
  }

  @Override
  Tensor pool(Tensor x, String layer) {
    return PoolOps.maxPool2d(x, window, layer);
  }
}
