package org.jdnn.nn;

import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Tensor;

/** Max pooling over windows of the last dimension of (N, C, L) inputs; padding counts as -infinity. */
public final class MaxPool1d extends Pool1d {
  /** Saved as {"type": "MaxPool1d", "kernel": k, "stride": s, "padding": p}. */
  public static final LayerType<MaxPool1d> TYPE = LayerType.of("MaxPool1d", MaxPool1d.class, Pool1d::writeWindow, in -> {
    int[] w = readWindow(in);
    return LayerType.plan((children, init) -> new MaxPool1d(w[0], w[1], w[2]));
  });

  /**
   * Windows of length {@code kernel}, stride {@code kernel} (PyTorch's default), no padding.
   *
   * @param kernel the window's length, at least 1
   * @throws IllegalArgumentException when the kernel is not positive
   */
  public MaxPool1d(int kernel) {
    this(kernel, kernel, 0);
  }

  /**
   * Windows with the given stride and padding.
   *
   * @param kernel the window's length, at least 1
   * @param stride the step between windows, at least 1
   * @param padding cells added at each end (never the maximum), from 0 to kernel / 2
   * @throws IllegalArgumentException when a setting is out of range
   */
  public MaxPool1d(int kernel, int stride, int padding) {
    super("MaxPool1d", "", kernel, stride, padding);
  }

  @Override
  Tensor pool(Tensor x, String layer) {
    return PoolOps.maxPool2d(x, window, layer);
  }
}
