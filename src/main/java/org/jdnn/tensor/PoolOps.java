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
   * Max pooling of {@code x} (N, C, H, W) over the windows {@code window} gives; padding counts as
   * -infinity. Output size: {@link Pool2dGeometry#outputSize}. The gradient of each output goes to
   * its arg-max input (the first maximum on ties).
   *
   * @param input the input (N, C, H, W), float32 or float64 (16-bit under autocast: widened), H and W at least 1
   * @param window kernel, stride and padding; validated here
   * @param layer the layer named first in error messages
   * @return the new (N, C, H', W') output, in the graph when x requires a gradient
   * @throws IllegalArgumentException when x is not a non-empty float (N, C, H, W) tensor, the
   *     window is null or invalid, or it is larger than the padded input
   */
  public static Tensor maxPool2d(Tensor input, Pool2dGeometry window, String layer) {
    Tensor x = Autocast.widenForFloat32(input);  // autocast: no 16-bit pooling here; float32
    long[] out = checkPool(layer, x, window);
    Tensor y = Tensor.empty(x.dtype(), x.device(), out);
    DType indexType = x.dim(2) * x.dim(3) <= Integer.MAX_VALUE ? DType.INT32 : DType.INT64;
    Tensor indices = Tensor.empty(indexType, x.device(), out);
    long[] p = window.packed();
    NativeErrors.check(JdnnNative.op_max_pool2d(x.h(), y.h(), indices.h(), p, p.length));
    return Autograd.recordSaving(layer, y, new Tensor[] {indices}, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_max_pool2d_backward(g.h(), indices.h(), dx.h()));
      return new Tensor[] {dx};
    }, x);
  }

  /**
   * Average pooling of {@code x} (N, C, H, W), same windows as {@link #maxPool2d}. With
   * {@code countIncludePad} each window sum is divided by kh * kw (padding zeros counted),
   * otherwise by the number of cells of the window inside the input.
   *
   * @param input the input (N, C, H, W), float32 or float64 (16-bit under autocast: widened), H and W at least 1
   * @param window kernel, stride and padding; validated here
   * @param countIncludePad whether padding zeros count in each average
   * @param layer the layer named first in error messages
   * @return the new (N, C, H', W') output, in the graph when x requires a gradient
   * @throws IllegalArgumentException when x is not a non-empty float (N, C, H, W) tensor, the
   *     window is null or invalid, or it is larger than the padded input
   */
  public static Tensor avgPool2d(Tensor input, Pool2dGeometry window, boolean countIncludePad, String layer) {
    Tensor x = Autocast.widenForFloat32(input);  // autocast: no 16-bit pooling here; float32
    long[] out = checkPool(layer, x, window);
    Tensor y = Tensor.empty(x.dtype(), x.device(), out);
    long[] p = window.packed();
    NativeErrors.check(JdnnNative.op_avg_pool2d(x.h(), y.h(), p, p.length, countIncludePad));
    return Autograd.record(layer, y, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_avg_pool2d_backward(g.h(), dx.h(), p, p.length, countIncludePad));
      return new Tensor[] {dx};
    }, x);
  }

  /** Checks x and the window; returns the output shape (N, C, outH, outW). */
  private static long[] checkPool(String layer, Tensor x, Pool2dGeometry window) {
    requireFloat(layer, x, "input");
    if (x.rank() != 4) {
      throw new IllegalArgumentException(layer + ": expected input of shape [N, C, H, W], got " + x.describe());
    }
    if (window == null) {
      throw new IllegalArgumentException(layer + ": expected a pooling window, got null; pass a Pool2dGeometry"
          + " (kernel, stride, padding)");
    }
    window.validate(layer);
    long h = x.dim(2), w = x.dim(3);
    if (h < 1 || w < 1) {
      throw new IllegalArgumentException(layer + ": expected non-empty input planes (H, W >= 1), got " + x.describe());
    }
    long[] hw = window.outputSize(layer, h, w);
    return new long[] {x.dim(0), x.dim(1), hw[0], hw[1]};
  }
}
