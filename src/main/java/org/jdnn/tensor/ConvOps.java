package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Convolution-network ops with their gradients: 2-D convolution, max and average pooling, batch
 * normalization, dropout, concatenation and narrowing. org.jdnn.nn builds its layers on these.
 *
 * <p>Conventions are PyTorch's: NCHW layout, convolution as cross-correlation (no kernel flip)
 * with weights (out, in / groups, kh, kw) and groups as consecutive channel blocks, max pooling
 * padded with -infinity, floor-mode output sizes, batch norm normalizing with the biased batch
 * variance and keeping the unbiased one in its running estimate.
 *
 * <p>Each op checks its arguments before any native code runs and throws an
 * {@link IllegalArgumentException} whose message starts with the {@code layer} name and gives the
 * expected and the actual values. Every op supports float32 and float64 and records itself for
 * autograd, so gradients reach every tensor input that requires one.
 */
public final class ConvOps {
  private ConvOps() {}

  // ---- convolution ----------------------------------------------------------------------------

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

  // ---- pooling --------------------------------------------------------------------------------

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

  // ---- batch norm -----------------------------------------------------------------------------

  /**
   * Batch normalization over channel dim 1 of {@code x}, rank 2 (N, C), 3 (N, C, L) or 4
   * (N, C, H, W): y = gamma (x - mean) / sqrt(var + eps) + beta, with {@code gamma} and
   * {@code beta} (C) or both null (affine = false).
   *
   * <p>Training: mean and biased variance of the batch (more than one value per channel needed);
   * {@code runningMean} and {@code runningVar} (C) are updated in place, running = (1 - momentum)
   * running + momentum batch, with the unbiased variance for runningVar (they may both be null in
   * training: no running statistics are kept). The backward goes through the batch statistics.
   * Eval: the running statistics normalize, and the backward is that of the affine map.
   */
  public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      boolean training, double momentum, double eps, String layer) {
    requireFloat(layer, x, "input");
    if (x.rank() < 2 || x.rank() > 4) {
      throw new IllegalArgumentException(layer + ": expected input of shape [N, C], [N, C, L] or [N, C, H, W], got "
          + x.describe());
    }
    long c = x.dim(1);
    if ((gamma == null) != (beta == null)) {
      throw new IllegalArgumentException(layer + ": gamma and beta must both be given (affine) or both be null, got "
          + (gamma == null ? "gamma null, beta " + beta.describe() : "gamma " + gamma.describe() + ", beta null"));
    }
    if ((runningMean == null) != (runningVar == null)) {
      throw new IllegalArgumentException(layer + ": running mean and running variance must both be given or both be null");
    }
    if (!training && runningMean == null) {
      throw new IllegalArgumentException(layer + ": eval mode needs the running mean and variance, got null");
    }
    requirePerChannel(layer, x, gamma, "weight (gamma)", c);
    requirePerChannel(layer, x, beta, "bias (beta)", c);
    requirePerChannel(layer, x, runningMean, "running mean", c);
    requirePerChannel(layer, x, runningVar, "running variance", c);
    if (!(eps >= 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException(layer + ": eps must be a finite value >= 0, got " + eps);
    }
    if (training && !(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException(layer + ": momentum must be in [0, 1], got " + momentum);
    }
    long perChannel = c == 0 ? 0 : x.numel() / c;
    if (training && c > 0 && perChannel <= 1) {
      throw new IllegalArgumentException(layer + ": expected more than 1 value per channel when training, got input "
          + x.describe() + " (" + perChannel + " value per channel)");
    }
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    Tensor mean = Tensor.empty(x.dtype(), x.device(), c);
    Tensor invstd = Tensor.empty(x.dtype(), x.device(), c);
    JdnnNative.op_batch_norm(x.h(), handle(gamma), handle(beta), handle(runningMean), handle(runningVar), y.h(),
        mean.h(), invstd.h(), training, momentum, eps);
    Tensor[] inputs = gamma == null ? new Tensor[] {x} : new Tensor[] {x, gamma, beta};
    return Autograd.recordSaving(layer, y, new Tensor[] {mean, invstd}, g -> {
      Tensor dx = x.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), x.shapeRef()) : null;
      Tensor dg = gamma != null && gamma.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), c) : null;
      Tensor db = beta != null && beta.requiresGrad() ? Tensor.empty(x.dtype(), x.device(), c) : null;
      if (dx != null || dg != null || db != null) {
        JdnnNative.op_batch_norm_backward(x.h(), g.h(), handle(gamma), mean.h(), invstd.h(), handle(dx), handle(dg),
            handle(db), training);
      }
      return gamma == null ? new Tensor[] {dx} : new Tensor[] {dx, dg, db};
    }, inputs);
  }

  private static void requirePerChannel(String layer, Tensor x, Tensor t, String what, long c) {
    if (t == null) return;
    if (t.rank() != 1 || t.dim(0) != c) {
      throw new IllegalArgumentException(layer + ": expected " + what + " of shape [" + c + "] for input "
          + x.describe() + ", got " + t.describe());
    }
    requireSameKind(layer, x, t, what);
  }

  // ---- dropout --------------------------------------------------------------------------------

  /**
   * Inverted dropout: each element is kept with probability 1 - p and scaled by 1 / (1 - p), or
   * set to 0. Element i is kept iff philox_uniform(philox4x32_10(offset + i, seed)) >= p, so a
   * (seed, offset) pair fixes the mask on every device. With {@code perChannel} (Dropout2d, x of
   * rank >= 3) the draw j = n C + c (counter offset + j) keeps or drops the whole (n, c) channel.
   * The backward multiplies by the same mask; p == 0 returns a copy with the identity gradient.
   */
  public static Tensor dropout(Tensor x, double p, boolean perChannel, long seed, long offset, String layer) {
    requireFloat(layer, x, "input");
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException(layer + ": dropout probability p must be in [0, 1), got " + p);
    }
    if (perChannel && x.rank() < 3) {
      throw new IllegalArgumentException(layer + ": per-channel dropout expects input of shape [N, C, ...] with rank"
          + " >= 3, got " + x.describe());
    }
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    if (p == 0) {
      JdnnNative.tensor_copy(x.h(), y.h());
      return Autograd.record(layer, y, g -> new Tensor[] {g}, x);
    }
    long[] maskShape = perChannel ? new long[] {x.dim(0), x.dim(1)} : x.shapeRef();
    Tensor mask = Tensor.empty(x.dtype(), x.device(), maskShape);
    JdnnNative.op_dropout_mask(mask.h(), p, seed, offset);
    JdnnNative.op_dropout_apply(x.h(), mask.h(), y.h());
    return Autograd.recordSaving(layer, y, new Tensor[] {mask}, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      JdnnNative.op_dropout_apply(g.h(), mask.h(), dx.h());
      return new Tensor[] {dx};
    }, x);
  }

  // ---- concatenation and slicing --------------------------------------------------------------

  /**
   * Concatenates {@code xs} along {@code dim} (negative counts from the end). All tensors need the
   * same rank, dtype, device and sizes in every other dimension. The gradient is sliced back.
   */
  public static Tensor concat(int dim, String layer, Tensor... xs) {
    if (xs == null || xs.length == 0) {
      throw new IllegalArgumentException(layer + ": expected at least one tensor to concatenate, got none");
    }
    for (int i = 0; i < xs.length; i++) {
      if (xs[i] == null) throw new IllegalArgumentException(layer + ": tensor " + i + " is null");
      xs[i].h(); // closed inputs fail before the output is allocated
    }
    Tensor first = xs[0];
    int rank = first.rank();
    if (rank == 0) {
      throw new IllegalArgumentException(layer + ": cannot concatenate scalars (rank 0), got " + first.describe());
    }
    int d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException(layer + ": dimension " + dim + " is out of range for rank " + rank
          + " (tensor 0 " + first.describe() + ")");
    }
    long total = 0;
    for (int i = 0; i < xs.length; i++) {
      Tensor t = xs[i];
      Tensor.requireSameDevice(layer, first, t);
      if (t.dtype() != first.dtype()) {
        throw new IllegalArgumentException(layer + ": tensor " + i + " is " + t.describe() + " but tensor 0 is "
            + first.describe() + ": dtypes must match");
      }
      boolean match = t.rank() == rank;
      for (int k = 0; match && k < rank; k++) match = k == d || t.dim(k) == first.dim(k);
      if (!match) {
        String[] expected = new String[rank];
        for (int k = 0; k < rank; k++) expected[k] = k == d ? "*" : Long.toString(first.dim(k));
        String pattern = Arrays.toString(expected);
        throw new IllegalArgumentException(layer + ": tensor " + i + " has shape " + t.describe() + ", expected "
            + pattern + " to match tensor 0 " + first.describe() + " in every dimension but " + d);
      }
      total += t.dim(d);
    }
    long[] shape = first.shape();
    shape[d] = total;
    Tensor out = Tensor.empty(first.dtype(), first.device(), shape);
    long start = 0;
    long[] starts = new long[xs.length];
    for (int i = 0; i < xs.length; i++) {
      starts[i] = start;
      JdnnNative.op_narrow_assign(xs[i].h(), out.h(), d, start);
      start += xs[i].dim(d);
    }
    if (!first.dtype().isFloatingPoint()) return out;
    return Autograd.record(layer, out, g -> {
      Tensor[] grads = new Tensor[xs.length];
      for (int i = 0; i < xs.length; i++) {
        if (!xs[i].requiresGrad()) continue;
        grads[i] = Tensor.empty(g.dtype(), g.device(), xs[i].shapeRef());
        JdnnNative.op_narrow(g.h(), grads[i].h(), d, starts[i]);
      }
      return grads;
    }, xs);
  }

  /**
   * The slice [start, start + length) of dimension {@code dim} (negative counts from the end),
   * copied (not a view). The backward scatters the gradient into zeros of x's shape.
   */
  public static Tensor narrow(Tensor x, int dim, long start, long length) {
    int rank = x.rank();
    int d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException("narrow: dimension " + dim + " is out of range for " + x.describe());
    }
    long size = x.dim(d);
    if (start < 0 || length < 0 || start > size || length > size - start) {
      throw new IllegalArgumentException("narrow: slice [" + start + ", " + start + " + " + length + ") of dimension "
          + dim + " is outside [0, " + size + ") of " + x.describe());
    }
    long[] shape = x.shape();
    shape[d] = length;
    Tensor y = Tensor.empty(x.dtype(), x.device(), shape);
    JdnnNative.op_narrow(x.h(), y.h(), d, start);
    if (!x.dtype().isFloatingPoint()) return y;
    return Autograd.record("narrow", y, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      JdnnNative.tensor_fill(dx.h(), 0);
      JdnnNative.op_narrow_assign(g.h(), dx.h(), d, start);
      return new Tensor[] {dx};
    }, x);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static long handle(Tensor t) {
    return t == null ? 0 : t.h();
  }

  // Both helpers touch h() first, so a closed tensor fails before any output is allocated.
  private static void requireFloat(String layer, Tensor x, String what) {
    x.h();
    if (!x.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(layer + ": expected a float32 or float64 " + what + ", got " + x.describe());
    }
  }

  private static void requireSameKind(String layer, Tensor x, Tensor t, String what) {
    t.h();
    Tensor.requireSameDevice(layer, x, t);
    if (t.dtype() != x.dtype()) {
      throw new IllegalArgumentException(layer + ": " + what + " " + t.describe() + " must have the input's dtype,"
          + " input is " + x.describe());
    }
  }
}
