package org.jdnn.tensor;

/**
 * The window of a 2-D max or average pooling: kernel, stride and padding per axis, with PyTorch's
 * meaning (NCHW input, padding on both sides of each axis and at most half the kernel, floor-mode
 * output size). This value owns the checks of these settings and the output-size formula, so the
 * layers (org.jdnn.nn MaxPool2d, AvgPool2d), the model loader and {@link PoolOps} agree on both and
 * report a bad setting in the same words.
 *
 * <p>A value may hold bad settings: {@link #validate} rejects them with an
 * {@link IllegalArgumentException} that starts with the caller's layer or op name and gives what
 * is wrong, the expected and the actual value, and a fix.
 *
 * <pre>{@code Pool2dGeometry window = new Pool2dGeometry(2, 2, 2, 2, 0, 0); // 2x2, stride 2
 * long[] hw = window.outputSize("MaxPool2d(kernel 2)", 28, 28); // {14, 14}}</pre>
 *
 * @param kh window height, at least 1
 * @param kw window width, at least 1
 * @param strideH step between windows down the height, at least 1
 * @param strideW step between windows along the width, at least 1
 * @param padH padding above and below the input, in [0, kh / 2]
 * @param padW padding left and right of the input, in [0, kw / 2]
 */
public record Pool2dGeometry(int kh, int kw, int strideH, int strideW, int padH, int padW) {

  /**
   * Checks every setting: window at least 1x1, strides at least 1, paddings from 0 to half the
   * window (PyTorch's rule: a window must always cover at least one real cell).
   *
   * @param layer the layer or op named first in an error message
   * @throws IllegalArgumentException naming the first bad setting, its expected and actual value and a fix
   */
  public void validate(String layer) {
    if (kh < 1 || kw < 1) {
      throw new IllegalArgumentException(layer + ": kernel must be at least 1x1, got " + kh + "x" + kw
          + " (height x width); give each window dimension a size of 1 or more");
    }
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(layer + ": stride must be >= 1 in height and width, got " + strideH + "x"
          + strideW + "; use the kernel size for windows that do not overlap");
    }
    if (padH < 0 || padW < 0 || padH > kh / 2 || padW > kw / 2) {
      throw new IllegalArgumentException(layer + ": padding must be >= 0 and at most half the kernel " + kh + "x" + kw
          + " (at most " + kh / 2 + "x" + kw / 2 + ", PyTorch's rule), got padding " + padH + "x" + padW
          + "; lower the padding or enlarge the kernel");
    }
  }

  /**
   * Output height and width for an H x W input, per dimension floor((H + 2 padH - kh) / strideH) + 1
   * (PyTorch's floor mode).
   *
   * @param layer the layer or op named first in an error message
   * @param h input height H
   * @param w input width W
   * @return {output height, output width}
   * @throws IllegalArgumentException for a bad setting (as {@link #validate}) or when the window does
   *     not fit in the padded input
   */
  public long[] outputSize(String layer, long h, long w) {
    validate(layer);
    long paddedH = h + 2L * padH, paddedW = w + 2L * padW;
    if (paddedH < kh || paddedW < kw) {
      throw new IllegalArgumentException(layer + ": kernel larger than the padded input: padded input " + paddedH
          + "x" + paddedW + " (input " + h + "x" + w + " plus padding " + padH + "x" + padW + " per side), kernel "
          + kh + "x" + kw + "; use a smaller kernel or a larger input");
    }
    return new long[] {(paddedH - kh) / strideH + 1, (paddedW - kw) / strideW + 1};
  }

  /**
   * The settings in the order the native pooling ops take them.
   *
   * @return {kh, kw, strideH, strideW, padH, padW}
   */
  public long[] packed() {
    return new long[] {kh, kw, strideH, strideW, padH, padW};
  }
}
