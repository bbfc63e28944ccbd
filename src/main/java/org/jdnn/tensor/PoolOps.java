package org.jdnn.tensor;

import static org.jdnn.tensor.OpChecks.requireFloat;

import org.jdnn.bridge.JdnnNative;

/**
 * 2-D max and average pooling with their gradients, PyTorch's conventions: NCHW layout, max
 * pooling padded with -infinity, floor-mode output sizes. org.jdnn.nn's MaxPool2d and AvgPool2d
 * build on them.
 *
 * <p>Each op checks its arguments before any native code runs and throws an
 * {@link IllegalArgumentException} whose message starts with the {@code layer} name and gives the
 * expected and the actual values. Float32 and float64.
 */
public final class PoolOps {
  private PoolOps() {}

  /**
   * Max pooling of {@code x} (N, C, H, W); padding counts as -infinity and may be at most half the
   * kernel (PyTorch's rule); output size floor((H + 2 padH - kh) / strideH) + 1. The gradient of
   * each output goes to its arg-max input (the first maximum on ties).
   */
  public static Tensor maxPool2d(Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW, String layer) {
    long[] out = checkPool(layer, x, kh, kw, strideH, strideW, padH, padW);
    Tensor y = Tensor.empty(x.dtype(), x.device(), out);
    DType indexType = x.dim(2) * x.dim(3) <= Integer.MAX_VALUE ? DType.INT32 : DType.INT64;
    Tensor indices = Tensor.empty(indexType, x.device(), out);
    JdnnNative.op_max_pool2d(x.h(), y.h(), indices.h(), kh, kw, strideH, strideW, padH, padW);
    return Autograd.recordSaving(layer, y, new Tensor[] {indices}, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      JdnnNative.op_max_pool2d_backward(g.h(), indices.h(), dx.h());
      return new Tensor[] {dx};
    }, x);
  }

  /**
   * Average pooling of {@code x} (N, C, H, W), same geometry as {@link #maxPool2d}. With
   * {@code countIncludePad} each window sum is divided by kh * kw (padding zeros counted),
   * otherwise by the number of cells of the window inside the input.
   */
  public static Tensor avgPool2d(Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW,
      boolean countIncludePad, String layer) {
    long[] out = checkPool(layer, x, kh, kw, strideH, strideW, padH, padW);
    Tensor y = Tensor.empty(x.dtype(), x.device(), out);
    JdnnNative.op_avg_pool2d(x.h(), y.h(), kh, kw, strideH, strideW, padH, padW, countIncludePad);
    return Autograd.record(layer, y, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      JdnnNative.op_avg_pool2d_backward(g.h(), dx.h(), kh, kw, strideH, strideW, padH, padW, countIncludePad);
      return new Tensor[] {dx};
    }, x);
  }

  private static long[] checkPool(String layer, Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW) {
    requireFloat(layer, x, "input");
    if (x.rank() != 4) {
      throw new IllegalArgumentException(layer + ": expected input of shape [N, C, H, W], got " + x.describe());
    }
    if (kh < 1 || kw < 1) {
      throw new IllegalArgumentException(layer + ": kernel must be at least 1x1, got " + kh + "x" + kw);
    }
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(layer + ": stride must be >= 1, got " + strideH + "x" + strideW);
    }
    if (padH < 0 || padW < 0 || padH > kh / 2 || padW > kw / 2) {
      throw new IllegalArgumentException(layer + ": padding " + padH + "x" + padW + " must be >= 0 and at most half"
          + " the kernel " + kh + "x" + kw + " (at most " + kh / 2 + "x" + kw / 2 + ", PyTorch's rule)");
    }
    long h = x.dim(2), w = x.dim(3);
    if (h < 1 || w < 1) {
      throw new IllegalArgumentException(layer + ": expected non-empty input planes (H, W >= 1), got " + x.describe());
    }
    long paddedH = h + 2L * padH, paddedW = w + 2L * padW;
    if (paddedH < kh || paddedW < kw) {
      throw new IllegalArgumentException(layer + ": kernel larger than the padded input: padded input " + paddedH
          + "x" + paddedW + " (input " + x.describe() + "), kernel " + kh + "x" + kw);
    }
    return new long[] {x.dim(0), x.dim(1), (paddedH - kh) / strideH + 1, (paddedW - kw) / strideW + 1};
  }
}
