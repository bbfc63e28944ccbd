package org.jdnn.nn;

import java.util.Arrays;
import org.jdnn.tensor.Conv2dGeometry;

/**
 * Convolution hyper-parameters shared by {@link Conv1d} and {@link Conv2d}, with PyTorch's
 * meaning: stride, padding (per side, or "same"), dilation, groups and whether there is a bias.
 *
 * <pre>{@code new Conv2d(32, 64, 3, ConvOptions.padding(1))}
 * {@code new Conv2d(32, 32, 3, ConvOptions.same().groups(32).bias(false))}</pre>
 *
 * <p>A mutable builder: the setters store values as given, and a layer's constructor checks them
 * ({@link #geometry}), so a bad value is reported there with the layer's name. A layer keeps its
 * own copy: changing the options afterwards does not change the layer.
 */
public final class ConvOptions {
  int strideH = 1, strideW = 1;
  int padH = 0, padW = 0;
  boolean same;
  int dilationH = 1, dilationW = 1;
  int groups = 1;
  boolean bias = true;

  /** PyTorch's defaults, as {@link #defaults()}. */
  public ConvOptions() {}

  /**
   * PyTorch's defaults: stride 1, no padding, dilation 1, one group, with bias.
   *
   * @return new options
   */
  public static ConvOptions defaults() {
    return new ConvOptions();
  }

  /**
   * The defaults with {@code p} zeros on every side.
   *
   * @param p padding per side, at least 0 (checked by the layer)
   * @return new options
   */
  public static ConvOptions padding(int p) {
    return new ConvOptions().pad(p, p);
  }

  /**
   * Padding "same": the output has the input's size (stride must stay 1); pads dilation (k - 1)
   * in total per axis, the odd extra zero at the end, as PyTorch.
   *
   * @return new options
   */
  public static ConvOptions same() {
    ConvOptions o = new ConvOptions();
    o.same = true;
    return o;
  }

  /**
   * Sets the same stride on both axes.
   *
   * @param s the step between kernel positions, at least 1 (checked by the layer)
   * @return these options
   */
  public ConvOptions stride(int s) {
    return stride(s, s);
  }

  /**
   * Sets the stride per axis (Conv1d uses {@code sw}).
   *
   * @param sh the step down the height, at least 1
   * @param sw the step along the width, at least 1
   * @return these options
   */
  public ConvOptions stride(int sh, int sw) {
    strideH = sh;
    strideW = sw;
    return this;
  }

  /**
   * Sets explicit zero padding per side, replacing "same" (Conv1d uses {@code pw}).
   *
   * @param ph zeros above and below, at least 0 (checked by the layer)
   * @param pw zeros left and right, at least 0
   * @return these options
   */
  public ConvOptions pad(int ph, int pw) {
    padH = ph;
    padW = pw;
    same = false;
    return this;
  }

  /**
   * Sets the same dilation on both axes.
   *
   * @param d the spacing between kernel taps (1: adjacent), at least 1 (checked by the layer)
   * @return these options
   */
  public ConvOptions dilation(int d) {
    return dilation(d, d);
  }

  /**
   * Sets the dilation per axis (Conv1d uses {@code dw}).
   *
   * @param dh the spacing between kernel rows, at least 1
   * @param dw the spacing between kernel columns, at least 1
   * @return these options
   */
  public ConvOptions dilation(int dh, int dw) {
    dilationH = dh;
    dilationW = dw;
    return this;
  }

  /**
   * Sets the number of channel groups convolved separately (the input's channels equal: depthwise).
   *
   * @param g at least 1, dividing both channel counts (checked by the layer)
   * @return these options
   */
  public ConvOptions groups(int g) {
    groups = g;
    return this;
  }

  /**
   * Sets whether the layer learns a bias.
   *
   * @param b true (the default) for a bias per output channel
   * @return these options
   */
  public ConvOptions bias(boolean b) {
    bias = b;
    return this;
  }

  /**
   * The stride.
   *
   * @return a new array {height, width}
   */
  public int[] stride() {
    return new int[] {strideH, strideW};
  }

  /**
   * The explicit padding per side.
   *
   * @return a new array {height, width}; zeros when {@link #isSame()}
   */
  public int[] padding() {
    return new int[] {padH, padW};
  }

  /**
   * Whether the padding is "same".
   *
   * @return true after {@link #same()} until {@link #pad} is called
   */
  public boolean isSame() {
    return same;
  }

  /**
   * The dilation.
   *
   * @return a new array {height, width}
   */
  public int[] dilation() {
    return new int[] {dilationH, dilationW};
  }

  /**
   * The number of channel groups.
   *
   * @return groups as set (1 by default)
   */
  public int groups() {
    return groups;
  }

  /**
   * Whether the layer learns a bias.
   *
   * @return the bias setting (true by default)
   */
  public boolean hasBias() {
    return bias;
  }

  /**
   * An independent copy (a layer's options cannot be changed through it).
   *
   * @return new options with the same values
   */
  public ConvOptions copy() {

    ConvOptions c = new ConvOptions().stride(strideH, strideW).pad(padH, padW).dilation(dilationH, dilationW)
        .groups(groups).bias(bias);
    c.same = same;
    return c;
  }

  /**
   * Checks these options for a layer of {@code in} into {@code out} channels with a kh x kw kernel
   * and returns its geometry, padding "same" resolved. The layers and the model loader both come
   * here, so they accept and reject the same settings with the same words.
   *
   * @param layer the layer (or the file location) named first in an error message
   * @param in input channels
   * @param out output channels
   * @param kh kernel height (1 for Conv1d)
   * @param kw kernel width
   * @return the validated geometry
   * @throws IllegalArgumentException for a non-positive channel count, padding "same" with a
   *     stride other than 1, or a setting {@link Conv2dGeometry#validate} rejects
   */
  public Conv2dGeometry geometry(String layer, int in, int out, int kh, int kw) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException(layer + ": channel counts must be positive, got in=" + in + ", out=" + out);
    }
    if (same && (strideH != 1 || strideW != 1)) {
      throw new IllegalArgumentException(layer + ": padding \"same\" needs stride 1, got " + strideH + "x" + strideW
          + "; give explicit padding for a strided convolution");
    }
    Conv2dGeometry g = same ? Conv2dGeometry.same(kh, kw, dilationH, dilationW, groups)
        : new Conv2dGeometry(strideH, strideW, padH, padW, padH, padW, dilationH, dilationW, groups);
    g.validate(layer, in, out, kh, kw);
    return g;
  }

  String describe(int kh, int kw) {
    StringBuilder sb = new StringBuilder();
    if (strideH != 1 || strideW != 1) sb.append(", stride ").append(strideH == strideW ? "" + strideH : strideH + "x" + strideW);
    if (same) sb.append(", padding same");
    else if (padH != 0 || padW != 0) sb.append(", padding ").append(padH == padW ? "" + padH : padH + "x" + padW);
    if (dilationH != 1 || dilationW != 1) sb.append(", dilation ").append(dilationH == dilationW ? "" + dilationH : dilationH + "x" + dilationW);
    if (groups != 1) sb.append(", groups ").append(groups);
    if (!bias) sb.append(", no bias");
    return sb.toString();
  }

  @Override
  public String toString() {
    return "ConvOptions" + Arrays.toString(new int[] {strideH, strideW, padH, padW, dilationH, dilationW, groups});
  }
}
