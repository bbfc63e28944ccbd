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
 * expected and the actual values. Float32 and float64 on every device; float16 and bfloat16 on CUDA devices (cuDNN,
 * float32 accumulation) and bfloat16 on the CPU (im2col and the bf16 GEMMs, float32 accumulation), where autocast
 * sends its convolutions; gradients reach every input that requires one.
 */
public final class ConvOps {
  private ConvOps() {}

  /**
   * 2-D convolution of {@code x} (N, C, H, W) with {@code w} (Cout, C / groups, kh, kw), plus
   * {@code bias} (Cout) unless null, where {@code geometry} says: strides, zero paddings (which may
   * differ per side: "same" padding with an even kernel puts the extra zero at the bottom / right,
   * as PyTorch does), dilations and groups. Output size: {@link Conv2dGeometry#outputSize}.
   *
   * <p>Under {@link Autocast} on a CUDA device, and under bfloat16 autocast on a CPU with bf16 arithmetic (AMX or
   * AVX512-BF16), the operands are cast to the autocast type and convolved with float32 accumulation (cuDNN; on the
   * CPU im2col and the bf16 GEMMs), the result rounded to the type, the bias added after it, rounding again, as
   * cuDNN's bias addition does; elsewhere under autocast the reference path convolves the rounded operands in float32
   * and rounds the result once.
   *
   * @param x the input (N, C, H, W), float32 or float64 (float16 or bfloat16 on a CUDA device, bfloat16 on the CPU)
   * @param w the kernel (Cout, C / groups, kh, kw), x's dtype and device
   * @param bias (Cout), or null
   * @param geometry strides, paddings, dilations, groups; validated here
   * @param layer the layer named first in error messages
   * @return the new (N, Cout, H', W') output, in the graph when an input requires a gradient
   * @throws IllegalArgumentException when a shape, dtype, device or geometry setting does not fit,
   *     or the kernel is larger than the padded input
   */
  public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dGeometry geometry, String layer) {
    return conv2d(x, w, bias, geometry, false, layer);
  }

  /**
   * {@link #conv2d} followed by ReLU (max(0, y), NaN kept, as {@link Tensor#relu()}). When nothing is recorded
   * (no input requires a gradient, or {@link GradMode} is off) it is one native call: on the CPU the ReLU is applied
   * to each sample's output block right after its GEMM, on CUDA float32 with a bias it is cuDNN's fused
   * convolution-bias-activation call. When a gradient is recorded it is the two ops, as {@code conv2d(...).relu()}.
   * The values are the same either way.
   *
   * @param x the input (N, C, H, W), float32 or float64
   * @param w the kernel (Cout, C / groups, kh, kw), x's dtype and device
   * @param bias (Cout), or null
   * @param geometry strides, paddings, dilations, groups; validated here
   * @param layer the layer named first in error messages
   * @return the new (N, Cout, H', W') output
   * @throws IllegalArgumentException as {@link #conv2d}
   */
  public static Tensor conv2dRelu(Tensor x, Tensor w, Tensor bias, Conv2dGeometry geometry, String layer) {
    boolean recording = GradMode.isEnabled()
        && (x.requiresGrad() || w.requiresGrad() || (bias != null && bias.requiresGrad()));
    if (recording) return conv2d(x, w, bias, geometry, false, layer).relu();
    return conv2d(x, w, bias, geometry, true, layer);
  }

  private static Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dGeometry geometry, boolean relu, String layer) {
    if (HalfProducts.appliesToConv(x, w, bias)) return halfConv2d(x, w, bias, geometry, relu, layer);
    if (Autocast.takesMixed(x, w, bias)) {
      DType low = Autocast.current();
      Tensor rx = Autocast.rounded(x), rw = Autocast.rounded(w), rb = Autocast.rounded(bias);
      try (Autocast.Scope off = Autocast.disable()) {
        return (relu ? conv2dRelu(rx, rw, rb, geometry, layer) : conv2d(rx, rw, rb, geometry, false, layer)).to(low);
      }
    }
    if (!x.dtype().isHalf()) requireFloat(layer, x, "input");
    if (x.rank() != 4) {
      throw new IllegalArgumentException(layer + ": expected input of shape [N, C, H, W], got " + x.describe());
    }
    if (w.rank() != 4) {
      throw new IllegalArgumentException(layer + ": expected weight of shape [Cout, C/groups, kh, kw], got "
          + w.describe());
    }
    requireSameKind(layer, x, w, "weight");
    if (x.dtype().isHalf() && (bias != null || relu)) {
      // the 16-bit convolutions (cuDNN's, the CPU's) take neither: the bias (checked by add) and the ReLU follow as ops
      if (bias != null && (bias.rank() != 1 || bias.dim(0) != w.dim(0))) {
        throw new IllegalArgumentException(layer + ": expected bias of shape [" + w.dim(0) + "], got " + bias.describe());
      }
      Tensor y = conv2d(x, w, null, geometry, false, layer);
      if (bias != null) y = y.add(bias.reshape(1, bias.dim(0), 1, 1));
      return relu ? y.relu() : y;
    }
    if (geometry == null) {
      throw new IllegalArgumentException(layer + ": expected a convolution geometry, got null; pass"
          + " Conv2dGeometry.defaults() for stride 1, no padding, no dilation, one group");
    }
    long c = x.dim(1), cout = w.dim(0), kh = w.dim(2), kw = w.dim(3);
    geometry.validate(layer, c, cout, kh, kw);
    int groups = geometry.groups();
    long expectedC = w.dim(1) * groups;
    if (c != expectedC) {
      throw new IllegalArgumentException(layer + ": expected input with " + expectedC + " channels (shape [N, "
          + expectedC + ", H, W]" + (groups > 1 ? ", " + groups + " groups of " + w.dim(1) : "") + "), got "
          + c + " channels: " + x.describe());
    }
    if (bias != null) {
      requireSameKind(layer, x, bias, "bias");
      if (bias.rank() != 1 || bias.dim(0) != cout) {
        throw new IllegalArgumentException(layer + ": expected bias of shape [" + cout + "], got " + bias.describe());
      }
    }
    long[] out = geometry.outputSize(layer, x.dim(2), x.dim(3), kh, kw);
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.dim(0), cout, out[0], out[1]);
    long[] g = geometry.packed();
    NativeErrors.check(JdnnNative.op_conv2d(x.h(), w.h(), handle(bias), y.h(), g, g.length, relu));
    if (relu) return y;  // only reached when nothing is recorded
    Tensor[] inputs = bias == null ? new Tensor[] {x, w} : new Tensor[] {x, w, bias};
    return Autograd.record(layer, y, grad -> {
      Tensor dx = x.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), x.shapeRef()) : null;
      Tensor dw = w.requiresGrad() ? Tensor.empty(w.dtype(), w.device(), w.shapeRef()) : null;
      Tensor db = bias != null && bias.requiresGrad() ? Tensor.empty(bias.dtype(), bias.device(), bias.shapeRef()) : null;
      if (dx != null || dw != null || db != null) {
        NativeErrors.check(
            JdnnNative.op_conv2d_backward(x.h(), w.h(), grad.h(), handle(dx), handle(dw), handle(db), g, g.length));
      }
      return bias == null ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, db};
    }, inputs);
  }

  /**
   * Autocast's convolution on a CUDA device or a CPU with bf16 GEMMs: x and w cast to the autocast type (recorded
   * casts), one convolution on the 16-bit tensors with float32 accumulation (its backward likewise), then the bias, cast to the
   * type, added and the ReLU applied as separate ops, as cuDNN's own bias addition does: the output is rounded once
   * after the sum and again after the bias (where the reference path rounds once), a difference of at most one unit
   * of the type.
   */
  private static Tensor halfConv2d(Tensor x, Tensor w, Tensor bias, Conv2dGeometry geometry, boolean relu,
      String layer) {
    DType low = Autocast.current();
    Tensor lx = x.dtype() == low ? x : x.to(low), lw = w.dtype() == low ? w : w.to(low);
    Tensor lb = bias == null || bias.dtype() == low ? bias : bias.to(low);
    try (Autocast.Scope off = Autocast.disable()) {
      return conv2d(lx, lw, lb, geometry, relu, layer);
    }
  }
}
