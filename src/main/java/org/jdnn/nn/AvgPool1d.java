package org.jdnn.nn;

import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Tensor;

/**
 * Average pooling over windows of the last dimension of (N, C, L) inputs. With
 * {@code countIncludePad} (PyTorch's default) padding zeros count in the average; without, only
 * real cells do.
 */
public final class AvgPool1d extends Pool1d {
  /** Saved as {"type": "AvgPool1d", "kernel": k, "stride": s, "padding": p, "count_include_pad": b}. */
  public static final LayerType<AvgPool1d> TYPE = LayerType.of("AvgPool1d", AvgPool1d.class, (l, out) -> {
    l.writeWindow(out);
    out.put("count_include_pad", l.countIncludePad);
  }, in -> {
    int[] w = readWindow(in);
    boolean countPad = in.bool("count_include_pad");
    return LayerType.plan((children, init) -> new AvgPool1d(w[0], w[1], w[2], countPad));
  });

  private final boolean countIncludePad;

  /**
   * Windows of length {@code kernel}, stride {@code kernel}, no padding.
   *
   * @param kernel the window's length, at least 1
   * @throws IllegalArgumentException when the kernel is not positive
   */
  public AvgPool1d(int kernel) {
    this(kernel, kernel, 0, true);
  }

  /**
   * Windows with the given stride and padding.
   *
   * @param kernel the window's length, at least 1
   * @param stride the step between windows, at least 1
   * @param padding zeros added at each end, from 0 to kernel / 2
   * @param countIncludePad whether padding zeros count in the average (PyTorch's default true)
   * @throws IllegalArgumentException when a setting is out of range
   */
  public AvgPool1d(int kernel, int stride, int padding, boolean countIncludePad) {
    super("AvgPool1d", countIncludePad ? "" : ", padding not counted", kernel, stride, padding);
    this.countIncludePad = countIncludePad;
  }

  /** @return whether padding zeros count in the average */
  public boolean countIncludePad() {
    return countIncludePad;
  }

  @Override
  Tensor pool(Tensor x, String layer) {
    return PoolOps.avgPool2d(x, window, countIncludePad, layer);
  }
}
