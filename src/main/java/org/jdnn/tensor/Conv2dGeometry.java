package org.jdnn.tensor;

/**
 * Where a 2-D convolution's kernel visits its input: strides, zero padding per side, dilations and
 * groups, with PyTorch's meaning (NCHW input, weight (out, in / groups, kh, kw), groups as
 * consecutive channel blocks, floor-mode output size). This value owns the checks of these
 * settings and the output-size formula, so the layers (org.jdnn.nn Conv1d, Conv2d), the model
 * loader and {@link ConvOps#conv2d} agree on both and report a bad setting in the same words.
 *
 * <p>A value may hold bad settings: {@link #validate} rejects them with an
 * {@link IllegalArgumentException} that starts with the caller's layer or op name and gives what
 * is wrong, the expected and the actual value, and a fix.
 *
 * <pre>{@code Conv2dGeometry g = new Conv2dGeometry(2, 2, 1, 1, 1, 1, 1, 1, 1); // stride 2, padding 1
 * g.validate("Conv2d(3 -> 8, kernel 3x3)", 3, 8, 3, 3);
 * long[] hw = g.outputSize("Conv2d(3 -> 8, kernel 3x3)", 32, 32, 3, 3); // {16, 16}}</pre>
 *
 * @param strideH step between kernel positions down the height, at least 1
 * @param strideW step between kernel positions along the width, at least 1
 * @param padTop zero rows above the input, at least 0
 * @param padLeft zero columns left of the input, at least 0
 * @param padBottom zero rows below the input, at least 0
 * @param padRight zero columns right of the input, at least 0
 * @param dilationH spacing between kernel rows (1: adjacent), at least 1
 * @param dilationW spacing between kernel columns (1: adjacent), at least 1
 * @param groups channel blocks convolved separately, at least 1 and dividing both channel counts
 */
public record Conv2dGeometry(int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight,
    int dilationH, int dilationW, int groups) {

  /**
   * Stride 1, no padding, no dilation, one group.
   *
   * @return the default geometry (valid for any kernel and channel counts)
   */
  public static Conv2dGeometry defaults() {
    return new Conv2dGeometry(1, 1, 0, 0, 0, 0, 1, 1, 1);
  }

  /**
   * Padding "same" for a kh x kw kernel at stride 1: dilation (k - 1) zeros per axis in total, the
   * odd one at the bottom / right as PyTorch puts it, so the output has the input's size.
   *
   * @param kh kernel height
   * @param kw kernel width
   * @param dilationH spacing between kernel rows
   * @param dilationW spacing between kernel columns
   * @param groups channel blocks
   * @return the stride-1 geometry with "same" padding (not yet validated)
   */
  public static Conv2dGeometry same(int kh, int kw, int dilationH, int dilationW, int groups) {
    long th = (long) dilationH * (kh - 1), tw = (long) dilationW * (kw - 1);
    return new Conv2dGeometry(1, 1, (int) (th / 2), (int) (tw / 2), (int) (th - th / 2), (int) (tw - tw / 2),
        dilationH, dilationW, groups);
  }

  /**
   * This geometry along the width only, the height's stride, padding and dilation made neutral:
   * how a 1-D convolution over (N, C, L) runs as a 2-D convolution of an (N, C, 1, L) input.
   *
   * @return the geometry with stride 1, no padding and dilation 1 down the height
   */
  public Conv2dGeometry alongWidth() {
    return new Conv2dGeometry(1, strideW, 0, padLeft, 0, padRight, 1, dilationW, groups);
  }

  /**
   * Checks every setting for a convolution of {@code inChannels} into {@code outChannels} with a
   * kh x kw kernel: kernel at least 1x1, strides and dilations at least 1, paddings at least 0,
   * groups at least 1 and dividing both channel counts.
   *
   * @param layer the layer or op named first in an error message
   * @param inChannels input channels C
   * @param outChannels output channels Cout
   * @param kh kernel height
   * @param kw kernel width
   * @throws IllegalArgumentException naming the first bad setting, its expected and actual value and a fix
   */
  public void validate(String layer, long inChannels, long outChannels, long kh, long kw) {
    checkWindow(layer, kh, kw);
    if (inChannels % groups != 0 || outChannels % groups != 0) {
      long common = gcd(inChannels, outChannels);
      throw new IllegalArgumentException(layer + ": groups must divide both the input channels (" + inChannels
          + ") and the output channels (" + outChannels + "), got groups " + groups + "; use a common divisor of "
          + inChannels + " and " + outChannels + (common > 1 ? " (the largest is " + common + ")" : " such as 1"));
    }
  }

  /**
   * Output height and width for an H x W input and a kh x kw kernel, per dimension
   * floor((H + padTop + padBottom - dilationH (kh - 1) - 1) / strideH) + 1 (PyTorch's floor mode).
   *
   * @param layer the layer or op named first in an error message
   * @param h input height H
   * @param w input width W
   * @param kh kernel height
   * @param kw kernel width
   * @return {output height, output width}
   * @throws IllegalArgumentException for a bad setting (as {@link #validate}, without the channel
   *     checks) or when the dilated kernel does not fit in the padded input
   */
  public long[] outputSize(String layer, long h, long w, long kh, long kw) {
    checkWindow(layer, kh, kw);
    long paddedH = h + padTop + padBottom, paddedW = w + padLeft + padRight;
    long effH = (long) dilationH * (kh - 1) + 1, effW = (long) dilationW * (kw - 1) + 1;
    if (paddedH < effH || paddedW < effW) {
      throw new IllegalArgumentException(layer + ": kernel larger than the padded input: padded input " + paddedH
          + "x" + paddedW + " (input " + h + "x" + w + " plus padding), effective kernel " + effH + "x" + effW
          + " (kernel " + kh + "x" + kw + ", dilation " + dilationH + "x" + dilationW + "); pad more, or use a"
          + " smaller kernel or dilation, or a larger input");
    }
    return new long[] {(paddedH - effH) / strideH + 1, (paddedW - effW) / strideW + 1};
  }

  /**
   * The settings in the order the native convolution takes them.
   *
   * @return {strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups}
   */
  public long[] packed() {
    return new long[] {strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups};
  }

  // Everything but the channel check, in the order a reader of the settings meets them.
  private void checkWindow(String layer, long kh, long kw) {
    if (kh < 1 || kw < 1) {
      throw new IllegalArgumentException(layer + ": kernel must be at least 1x1, got " + kh + "x" + kw
          + " (height x width); give each kernel dimension a size of 1 or more");
    }
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(layer + ": stride must be >= 1 in height and width, got " + strideH + "x"
          + strideW + "; use 1 to visit every position");
    }
    if (dilationH < 1 || dilationW < 1) {
      throw new IllegalArgumentException(layer + ": dilation must be >= 1 in height and width, got " + dilationH
          + "x" + dilationW + "; use 1 for an undilated kernel");
    }
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
      throw new IllegalArgumentException(layer + ": padding must be >= 0 on every side, got top " + padTop
          + ", left " + padLeft + ", bottom " + padBottom + ", right " + padRight + "; use 0 for no padding");
    }
    if (groups < 1) {
      throw new IllegalArgumentException(layer + ": groups must be >= 1, got " + groups
          + "; use 1 for an ordinary convolution");
    }
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return Math.abs(a);
  }
}
