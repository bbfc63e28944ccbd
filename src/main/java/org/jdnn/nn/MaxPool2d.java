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

  public MaxPool2d(int kernel) {
    this(kernel, kernel, kernel, kernel, 0, 0);
  }

  public MaxPool2d(int kernel, int stride, int padding) {
    this(kernel, kernel, stride, stride, padding, padding);
  }

  public MaxPool2d(int kh, int kw, int sh, int sw, int ph, int pw) {
    super("MaxPool2d", "", kh, kw, sh, sw, ph, pw);
  }

  @Override
  Tensor pool(Tensor x, String layer) {
    return PoolOps.maxPool2d(x, window, layer);
  }
}
