package org.jdnn.tensor;

import static org.jdnn.tensor.OpChecks.handle;
import static org.jdnn.tensor.OpChecks.requireFloat;
import static org.jdnn.tensor.OpChecks.requireSameKind;

import org.jdnn.bridge.JdnnNative;

/**
 * 2-D convolution with its gradients, PyTorch's conventions: NCHW layout, cross-correlation (no
 * kernel flip) with weights (out, in / groups, kh, kw) and groups as consecutive channel blocks,
 * floor-mode output sizes. org.jdnn.nn's Conv1d and Conv2d build on it.
 *
 * <p>Each op checks its arguments before any native code runs and throws an
 * {@link IllegalArgumentException} whose message starts with the {@code layer} name and gives the
 * expected and the actual values. Float32 and float64; gradients reach every input that requires one.
 */
public final class ConvOps {
  private ConvOps() {}

  /**
   * 2-D convolution of {@code x} (N, C, H, W) with {@code w} (Cout, C / groups, kh, kw), plus
   * {@code bias} (Cout) unless null. Paddings are zeros and may differ per side ("same" padding
   * with an even kernel puts the extra zero at the bottom / right, as PyTorch does). Output size
   * per dimension: floor((H + padTop + padBottom - dilationH (kh - 1) - 1) / strideH) + 1.
   */
  public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int strideH, int strideW, int padTop, int padLeft,
      int padBottom, int padRight, int dilationH, int dilationW, int groups, String layer) {
    requireFloat(layer, x, "input");
    if (x.rank() != 4) {
      throw new IllegalArgumentException(layer + ": expected input of shape [N, C, H, W], got " + x.describe());
    }
    if (w.rank() != 4) {
      throw new IllegalArgumentException(layer + ": expected weight of shape [Cout, C/groups, kh, kw], got "
          + w.describe());
    }
    requireSameKind(layer, x, w, "weight");
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(layer + ": stride must be >= 1, got " + strideH + "x" + strideW);
    }
    if (dilationH < 1 || dilationW < 1) {
      throw new IllegalArgumentException(layer + ": dilation must be >= 1, got " + dilationH + "x" + dilationW);
    }
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
      throw new IllegalArgumentException(layer + ": padding must be >= 0, got top " + padTop + ", left " + padLeft
          + ", bottom " + padBottom + ", right " + padRight);
    }
    if (groups < 1) {
      throw new IllegalArgumentException(layer + ": groups must be >= 1, got " + groups);
    }
    long c = x.dim(1), cout = w.dim(0), kh = w.dim(2), kw = w.dim(3);
    if (c % groups != 0 || cout % groups != 0) {
      throw new IllegalArgumentException(layer + ": groups " + groups + " must divide both the input channels (" + c
          + ") and the output channels (" + cout + ")");
    }
    long expectedC = w.dim(1) * groups;
    if (c != expectedC) {
      throw new IllegalArgumentException(layer + ": expected input with " + expectedC + " channels (shape [N, "
          + expectedC + ", H, W]" + (groups > 1 ? ", " + groups + " groups of " + w.dim(1) : "") + "), got "
          + c + " channels: " + x.describe());
    }
    if (kh < 1 || kw < 1) {
      throw new IllegalArgumentException(layer + ": kernel must be at least 1x1, got weight " + w.describe());
    }
    if (bias != null) {
      requireSameKind(layer, x, bias, "bias");
      if (bias.rank() != 1 || bias.dim(0) != cout) {
        throw new IllegalArgumentException(layer + ": expected bias of shape [" + cout + "], got " + bias.describe());
      }
    }
    long h = x.dim(2), wd = x.dim(3);
    long paddedH = h + padTop + padBottom, paddedW = wd + padLeft + padRight;
    long effH = (long) dilationH * (kh - 1) + 1, effW = (long) dilationW * (kw - 1) + 1;
    if (paddedH < effH || paddedW < effW) {
      throw new IllegalArgumentException(layer + ": kernel larger than the padded input: padded input " + paddedH
          + "x" + paddedW + " (input " + h + "x" + wd + " plus padding), effective kernel " + effH + "x" + effW
          + " (kernel " + kh + "x" + kw + ", dilation " + dilationH + "x" + dilationW + ")");
    }
    long oh = (paddedH - effH) / strideH + 1, ow = (paddedW - effW) / strideW + 1;
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.dim(0), cout, oh, ow);
    JdnnNative.op_conv2d(x.h(), w.h(), handle(bias), y.h(), strideH, strideW, padTop, padLeft, padBottom, padRight,
        dilationH, dilationW, groups);
    Tensor[] inputs = bias == null ? new Tensor[] {x, w} : new Tensor[] {x, w, bias};
    return Autograd.record(layer, y, g -> {
      Tensor dx = x.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), x.shapeRef()) : null;
      Tensor dw = w.requiresGrad() ? Tensor.empty(w.dtype(), w.device(), w.shapeRef()) : null;
      Tensor db = bias != null && bias.requiresGrad() ? Tensor.empty(bias.dtype(), bias.device(), bias.shapeRef()) : null;
      if (dx != null || dw != null || db != null) {
        JdnnNative.op_conv2d_backward(x.h(), w.h(), g.h(), handle(dx), handle(dw), handle(db), strideH, strideW,
            padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups);
      }
      return bias == null ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, db};
    }, inputs);
  }
}
