package org.jdnn.nn;

import org.jdnn.tensor.Pool2dGeometry;
import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Tensor;

/**
 * Average pooling over kh x kw windows of NCHW inputs. With {@code countIncludePad} (PyTorch's
 * default) padding zeros count in the average; without, only real cells do.
 */
public final class AvgPool2d extends Pool2d {
  /** Saved as {"type": "AvgPool2d", "kernel": [h, w], "stride": [h, w], "padding": [h, w], "count_include_pad": b}. */
  public static final LayerType<AvgPool2d> TYPE = LayerType.of("AvgPool2d", AvgPool2d.class, (l, out) -> {
    l.writeWindow(out);
    out.put("count_include_pad", l.countIncludePad);
  }, in -> {
    Pool2dGeometry w = readWindow(in);
    boolean countPad = in.bool("count_include_pad");
    return LayerType.plan((children, init) -> new AvgPool2d(w.kh(), w.kw(), w.strideH(), w.strideW(), w.padH(), w.padW(),
        countPad));
  });

  private final boolean countIncludePad;

  /**
   * Square windows of side {@code kernel}, stride {@code kernel}, no padding.
   *
   * @param kernel the window's side, at least 1
   * @throws IllegalArgumentException when the geometry is invalid
   */
  public AvgPool2d(int kernel) {
    this(kernel, kernel, kernel, kernel, 0, 0, true);
  }

  /**
   * Square windows with the same stride and padding on both axes.
   *
   * @param kernel the window's side, at least 1
   * @param stride the step between windows, at least 1
   * @param padding zeros added on each side, at least 0 and at most half the kernel
   * @param countIncludePad whether padding zeros count in the average (PyTorch's default true)
   * @throws IllegalArgumentException when the geometry is invalid
   */
  public AvgPool2d(int kernel, int stride, int padding, boolean countIncludePad) {
    this(kernel, kernel, stride, stride, padding, padding, countIncludePad);
  }

  /**
   * Windows of kh x kw with per-axis stride and padding.
   *
   * @param kh window height, at least 1
   * @param kw window width, at least 1
   * @param sh vertical stride, at least 1
   * @param sw horizontal stride, at least 1
   * @param ph zeros added above and below, at least 0 and at most kh / 2
   * @param pw zeros added left and right, at least 0 and at most kw / 2
   * @param countIncludePad whether padding zeros count in the average
   * @throws IllegalArgumentException when the geometry is invalid
   */
  public AvgPool2d(int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
    super("AvgPool2d", countIncludePad ? "" : ", padding not counted", kh, kw, sh, sw, ph, pw);
    this.countIncludePad = countIncludePad;
  }

  /**
   * Whether padding zeros count in the average.
   *
   * @return true when every window divides by kh kw
   */
  public boolean countIncludePad() {

    return countIncludePad;
  }

  @Override
  Tensor pool(Tensor x, String layer) {
    return PoolOps.avgPool2d(x, window, countIncludePad, layer);
  }
}
